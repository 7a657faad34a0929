// Which HTTP client carries a client's calls, and the runtime's fetch set up for TLS and the
// HTTP version. Connect and gRPC-Web prefer fetch; a runtime whose fetch cannot honour an
// option falls back to node:http(s)/node:http2, and a runtime that has neither refuses the
// option when the client is created, naming why.
import { detectRuntime, type RuntimeName } from "../runtime/detect.ts";
import { InvalidOptionError } from "../../internal/options.ts";
import { runtimeGlobal } from "../../internal/runtime.ts";
import type { RedirectMode } from "./failure.ts";

/** An HTTP version a client can be pinned to. */
export type HttpVersion = "1.1" | "2";

/** TLS settings of a client, as PEM text. */
export interface ClientTlsOptions {
  /**
   * Certificate authorities (PEM) to trust for the server's certificate, e.g. a private CA.
   * On Deno they are trusted besides the system's roots; on Node and Bun instead of them.
   */
  readonly ca?: string | readonly string[];
  /** Client certificate chain (PEM), presented when the server asks for one (mTLS). */
  readonly cert?: string;
  /** Private key (PEM) of `cert`. */
  readonly key?: string;
}

/** TLS material normalised for the HTTP clients. */
export interface TlsFiles {
  /** Trusted authorities. */
  readonly ca?: string[];
  /** Client certificate chain. */
  readonly cert?: string;
  /** Its private key. */
  readonly key?: string;
}

/** The HTTP client under a client's transports. */
export type HttpEngine =
  | { readonly kind: "fetch"; readonly httpVersion?: HttpVersion }
  | { readonly kind: "node"; readonly httpVersion: HttpVersion };

function option(name: string, message: string, value?: unknown): InvalidOptionError {
  return new InvalidOptionError("client", name, "", value, message);
}

/** Checks `tls` and returns it normalised (undefined when absent). */
export function checkTls(tls: unknown): TlsFiles | undefined {
  if (tls === undefined) return undefined;
  if (typeof tls !== "object" || tls === null) {
    throw option("tls", "tls must be an object { ca?, cert?, key? } of PEM strings");
  }
  const { ca, cert, key } = tls as ClientTlsOptions;
  const list = ca === undefined ? undefined : typeof ca === "string" ? [ca] : ca;
  if (list !== undefined && !(Array.isArray(list) && list.every(isPem))) {
    throw option("tls.ca", "tls.ca must be a PEM certificate or a list of them");
  }
  for (const [name, value] of [["cert", cert], ["key", key]] as const) {
    if (value !== undefined && !isPem(value)) {
      throw option(`tls.${name}`, `tls.${name} must be PEM text`);
    }
  }
  if ((cert === undefined) !== (key === undefined)) {
    throw option(
      "tls.cert",
      "tls.cert and tls.key go together (a client certificate needs its key)",
    );
  }
  return { ca: list === undefined ? undefined : [...list], cert, key };
}

function isPem(value: unknown): value is string {
  return typeof value === "string" && value.includes("-----BEGIN ");
}

/**
 * Picks the HTTP client for `protocol` on this runtime: fetch where it can do what is asked,
 * else node:http(s)/node:http2. Throws `InvalidOptionError` for combinations nothing here can serve.
 */
export function chooseEngine(
  protocol: "connect" | "grpc-web" | "grpc",
  httpVersion: HttpVersion | undefined,
  tls: TlsFiles | undefined,
  userFetch: boolean,
  runtime: RuntimeName = detectRuntime(),
): HttpEngine {
  if (httpVersion !== undefined && httpVersion !== "1.1" && httpVersion !== "2") {
    throw option(
      "httpVersion",
      `httpVersion must be "1.1" or "2", got ${JSON.stringify(httpVersion)}`,
    );
  }
  if (protocol === "grpc") {
    if (httpVersion === "1.1") {
      throw option("httpVersion", 'protocol "grpc" needs HTTP/2; httpVersion "1.1"');
    }
    return { kind: "node", httpVersion: "2" };
  }
  if (userFetch) {
    if (tls !== undefined || httpVersion !== undefined) {
      throw option(
        "tls",
        "tls and httpVersion configure Atreus's own HTTP clients; with your own fetch, set " +
          "them in that fetch",
      );
    }
    return { kind: "fetch" };
  }
  switch (runtime) {
    case "deno":
      // Deno's fetch takes a CA, a client certificate and the HTTP version (h2c included).
      return { kind: "fetch", httpVersion };
    case "bun":
      // Bun's fetch takes TLS options but speaks HTTP/1.1 only.
      return httpVersion === "2" ? { kind: "node", httpVersion: "2" } : { kind: "fetch" };
    case "node":
      // Node's fetch takes neither a CA nor an HTTP version.
      if (httpVersion === "2") return { kind: "node", httpVersion: "2" };
      return tls === undefined ? { kind: "fetch" } : { kind: "node", httpVersion: "1.1" };
    default:
      if (tls !== undefined) {
        throw option(
          "tls",
          "tls needs Node, Deno or Bun; this runtime's fetch trusts its own certificate store",
        );
      }
      if (httpVersion === "2") {
        throw option(
          "httpVersion",
          'httpVersion "2" needs Node, Deno or Bun; this runtime\'s fetch picks it',
        );
      }
      return { kind: "fetch" };
  }
}

/** A fetch that applies the engine's TLS material and HTTP version, and how to release it. */
export interface RuntimeFetch {
  /** The fetch to call. */
  readonly fetch: typeof globalThis.fetch;
  /**
   * How to ask it to refuse a redirect: `"error"` where the fetch refuses one in a way the
   * client recognises (Node's), else `"manual"` and the client refuses it (see failure.ts).
   */
  readonly redirect: RedirectMode;
  /** Frees its connections. */
  close(): void;
}

interface DenoHttp {
  createHttpClient(options: Record<string, unknown>): { close(): void };
}

/** The runtime's own fetch, set up for `tls` and the engine's HTTP version. */
export function runtimeFetch(
  engine: HttpEngine,
  tls: TlsFiles | undefined,
  runtime: RuntimeName = detectRuntime(),
): RuntimeFetch {
  const plain: typeof globalThis.fetch = (input, init) => globalThis.fetch(input, init);
  const version = engine.httpVersion;
  if (runtime === "deno" && (tls !== undefined || version !== undefined)) {
    const deno = runtimeGlobal<DenoHttp>("Deno");
    const client = deno.createHttpClient({
      caCerts: tls?.ca,
      ...(tls?.cert === undefined ? {} : { cert: tls.cert, key: tls.key }),
      http1: version !== "2",
      http2: version !== "1.1",
    });
    return {
      fetch: (input, init) => {
        const withClient: RequestInit & { client: unknown } = { ...init, client };
        return globalThis.fetch(input, withClient);
      },
      redirect: "manual",
      close: () => client.close(),
    };
  }
  if (runtime === "bun" && tls !== undefined) {
    const options = { ca: tls.ca, cert: tls.cert, key: tls.key };
    return {
      fetch: (input, init) => {
        const withTls: RequestInit & { tls: typeof options } = { ...init, tls: options };
        return globalThis.fetch(input, withTls);
      },
      redirect: "manual",
      close() {},
    };
  }
  // Node's fetch (undici) copies every request, teeing its body, unless it is asked to refuse
  // redirects itself: "error" spares that copy on each call, at the price of the redirect's
  // status and location, which it does not report. Elsewhere "manual" keeps them for the error.
  return { fetch: plain, redirect: runtime === "node" ? "error" : "manual", close() {} };
}
