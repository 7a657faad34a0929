// The three wire protocols a client speaks, and the per-node Connect-ES transports behind them.
// Every protocol is Connect-ES's own client implementation (`createTransport` of
// protocol-connect, protocol-grpc-web and protocol-grpc: framing, compression, limits, GET);
// only the HTTP client under it differs. Connect and gRPC-Web go over fetch, so they run
// everywhere, Workers included; native gRPC — and Connect or gRPC-Web where fetch cannot do what
// was asked (HTTP/2 or TLS options on Node, HTTP/2 on Bun) — goes over node:http(s)/node:http2,
// whose module (connect-node) is imported only when such a transport is first built, so a
// Workers bundle never loads it.
import type { DescMethod } from "@bufbuild/protobuf";
import type { Transport } from "@connectrpc/connect";
import type { CommonTransportOptions, UniversalClientFn } from "@connectrpc/connect/protocol";
import {
  createTransport as connectTransport,
  requestHeader as connectHeader,
} from "@connectrpc/connect/protocol-connect";
import {
  createTransport as grpcWebTransport,
  requestHeader as grpcWebHeader,
} from "@connectrpc/connect/protocol-grpc-web";
import {
  createTransport as grpcTransport,
  requestHeader as grpcHeader,
} from "@connectrpc/connect/protocol-grpc";
import { runWithValues } from "../../internal/context.ts";
import type { FetchLike } from "../../internal/http.ts";
import { guardFetch } from "./failure.ts";
import { fetchHttpClient } from "./fetch.ts";
import { connectUnaryOverFetch } from "./connect_unary.ts";
import { grpcUnary } from "./grpc_unary.ts";
import type { NodeUnary } from "./unary_method.ts";
import { eventReadSessions } from "./h2.ts";
import { type HttpEngine, runtimeFetch, type TlsFiles } from "./engine.ts";

/** The wire protocol of a client. */
export type ClientProtocol = "connect" | "grpc-web" | "grpc";

/** Every protocol, for validation messages. */
export const protocols: readonly ClientProtocol[] = ["connect", "grpc-web", "grpc"];

/** The endpoint schemes a protocol can dial, preferred first. */
export function schemesOf(protocol: ClientProtocol): readonly string[] {
  return protocol === "grpc" ? ["grpc", "grpcs"] : ["http", "https"];
}

/**
 * The protocol's request headers as the node transport will send them, so client middleware
 * sees the real content type (logging names the protocol from it, `deadline()` picks its
 * header by it). The node transport sets the same values again, with its compression headers.
 */
export function protocolHeader(
  protocol: ClientProtocol,
  method: DescMethod,
  binary: boolean,
  user: HeadersInit | undefined,
): Headers {
  switch (protocol) {
    case "connect":
      return connectHeader(method.methodKind, binary, undefined, user, false);
    case "grpc-web":
      return grpcWebHeader(binary, undefined, user, false);
    case "grpc":
      return grpcHeader(binary, undefined, user);
  }
}

/** A transport to one node and how to release what it holds. */
export interface NodeTransport {
  /** Calls the node; carries no interceptors (the client runs the middleware itself). */
  readonly transport: Transport;
  /** Unary calls as the client makes them, where the protocol has such a path. */
  readonly unary?: NodeUnary;
  /** Closes the node's connections (HTTP/2 sessions, agents, Deno HTTP clients). */
  close(): void;
}

/** The Connect-ES transport options a client sets once for all its nodes. */
export type WireOptions = Omit<CommonTransportOptions, "httpClient" | "baseUrl" | "interceptors">;

/** What building a node transport needs. */
export interface NodeTransportOptions {
  /** The wire protocol. */
  readonly protocol: ClientProtocol;
  /** The HTTP client under it. */
  readonly engine: HttpEngine;
  /** Codec, compression, limits and GET settings. */
  readonly wire: WireOptions;
  /** The user's fetch (Connect and gRPC-Web over fetch). */
  readonly fetch?: FetchLike;
  /** TLS material (CA, client certificate) for https:// and grpcs:// nodes. */
  readonly tls?: TlsFiles;
  /** How long an idle HTTP/2 connection is kept, in ms. */
  readonly idleConnectionTimeoutMs: number;
}

type ConnectNode = typeof import("@connectrpc/connect-node");
let connectNode: Promise<ConnectNode> | undefined;

/**
 * Starts loading connect-node (once). The import runs outside any request scope: under Deno, a
 * dynamic import started inside an AsyncLocalStorage scope leaks that scope — and with it a
 * call's deadline — into unrelated work that runs later.
 */
export function loadConnectNode(): Promise<ConnectNode> {
  connectNode ??= runWithValues(
    undefined,
    () => import("@connectrpc/connect-node"),
  ).catch((error) => {
    connectNode = undefined;
    throw new Error(
      "client: this transport needs node:http/node:http2 (Node, Deno, Bun); use protocol " +
        '"connect" or "grpc-web" over fetch on this runtime',
      { cause: error },
    );
  });
  return connectNode;
}

function universal(protocol: ClientProtocol, options: CommonTransportOptions): Transport {
  switch (protocol) {
    case "connect":
      return connectTransport(options);
    case "grpc-web":
      return grpcWebTransport(options);
    case "grpc":
      return grpcTransport(options);
  }
}

/** Builds the transport that calls `baseUrl` (`http(s)://host:port[/prefix]`). */
export async function nodeTransport(
  baseUrl: string,
  options: NodeTransportOptions,
): Promise<NodeTransport> {
  const common = (httpClient: UniversalClientFn): CommonTransportOptions => ({
    ...options.wire,
    baseUrl,
    httpClient,
    interceptors: [],
  });
  const build = (httpClient: UniversalClientFn) => universal(options.protocol, common(httpClient));
  if (options.engine.kind === "fetch") {
    const native = options.fetch === undefined ? runtimeFetch(options.engine, options.tls) : {
      fetch: options.fetch as typeof globalThis.fetch,
      redirect: "manual" as const,
      close() {},
    };
    const fetch = guardFetch(native.fetch, baseUrl, native.redirect);
    // One request message (unary, server streams): one buffered body. More (client and bidi
    // streams): a streamed body, so messages go out as they are produced.
    const bufferedOptions = common(fetchHttpClient(fetch, false));
    const buffered = universal(options.protocol, bufferedOptions);
    const streamed = build(fetchHttpClient(fetch, true));
    const connect = options.protocol === "connect"
      ? connectUnaryOverFetch(native.fetch, bufferedOptions, buffered.unary, native.redirect)
      : undefined;
    return {
      transport: {
        unary: connect?.unary ?? buffered.unary,
        stream: (method, ...rest) =>
          (method.methodKind === "server_streaming" ? buffered : streamed).stream(method, ...rest),
      },
      unary: connect?.direct,
      close: native.close,
    };
  }
  const mod = await loadConnectNode();
  const tls = options.tls ?? {};
  if (options.engine.httpVersion === "1.1") {
    const https = await import("node:https");
    const http = await import("node:http");
    // An agent per node, so close() can end its keep-alive sockets.
    const agent = baseUrl.startsWith("https:")
      ? new https.Agent({ keepAlive: true, ...tls })
      : new http.Agent({ keepAlive: true });
    return {
      transport: build(mod.createNodeHttpClient({ httpVersion: "1.1", nodeOptions: { agent } })),
      close: () => agent.destroy(),
    };
  }
  const sessionManager = new mod.Http2SessionManager(
    baseUrl,
    { idleConnectionTimeoutMs: options.idleConnectionTimeoutMs },
    tls,
  );
  const sessions = eventReadSessions(sessionManager);
  const h2 = common(
    mod.createNodeHttpClient({ httpVersion: "2", sessionProvider: () => sessions }),
  );
  const transport = universal(options.protocol, h2);
  return {
    transport: options.protocol === "grpc"
      ? { unary: grpcUnary(h2, transport.unary), stream: transport.stream }
      : transport,
    close: () => sessionManager.abort(),
  };
}
