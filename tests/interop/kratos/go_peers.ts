// The Go Kratos peers (tests/interop/kratos/v2 and v3): built once into a git-ignored cache
// (.tmp/go-peers/, keyed by a hash of their sources, so reruns skip the build), then run as
// servers (`serve`) or as clients driven by JSON lines on stdin (`client`).
import { Child, run } from "../../support/process.ts";
import { root } from "../../support/tools.ts";

/** The Kratos majors the peers are built against. */
export const majors = ["v2", "v3"] as const;
/** One Kratos major. */
export type Major = typeof majors[number];

const here = `${root}tests/interop/kratos/`;
const cache = `${root}.tmp/go-peers/`;
const builds = new Map<Major, Promise<string>>();

async function sourceHash(dirs: string[]): Promise<string> {
  const parts: string[] = [];
  const walk = async (dir: string) => {
    const entries = [];
    for await (const e of Deno.readDir(dir)) entries.push(e);
    entries.sort((a, b) => a.name < b.name ? -1 : 1);
    for (const e of entries) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory) await walk(path);
      else if (/\.(go|mod|sum)$/.test(e.name)) parts.push(path, await Deno.readTextFile(path));
    }
  };
  for (const d of dirs) await walk(d);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(parts.join("\0")));
  return [...new Uint8Array(digest)].slice(0, 8).map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** Builds the peer of `major` (once per source state) and returns the binary's path. */
export function buildPeer(major: Major): Promise<string> {
  let build = builds.get(major);
  if (build === undefined) {
    build = (async () => {
      const hash = await sourceHash([`${here}${major}`, `${here}peer`]);
      const binary = `${cache}peer-${major}-${hash}`;
      try {
        await Deno.stat(binary);
        return binary;
      } catch {
        // not built yet
      }
      await Deno.mkdir(cache, { recursive: true });
      const started = performance.now();
      // The committed go.sum pins every module; -mod=readonly refuses to change it.
      const out = await run("go", [
        "build",
        "-mod=readonly",
        "-trimpath",
        "-buildvcs=false",
        "-o",
        `${binary}.tmp`,
        ".",
      ], { cwd: `${here}${major}`, timeoutMs: 900_000 });
      if (out.code !== 0) {
        throw new Error(`go build of the Kratos ${major} peer failed:\n${out.stderr}`);
      }
      await Deno.rename(`${binary}.tmp`, binary);
      console.log(
        `built the Kratos ${major} peer in ${Math.round(performance.now() - started)} ms`,
      );
      return binary;
    })();
    builds.set(major, build);
  }
  return build;
}

/** Options of a Go Kratos server. */
export interface GoServerOptions {
  readonly etcd: string;
  readonly name: string;
  readonly id: string;
  /** Lease TTL in seconds (default 15, Kratos's). */
  readonly ttl?: number;
  /** Serve gRPC with TLS. */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** Endpoints to register instead of the servers'. */
  readonly endpoints?: readonly string[];
  /** CA the relay clients trust. */
  readonly ca?: string;
}

/** A running Go Kratos server. */
export interface GoServer {
  readonly child: Child;
  readonly endpoints: readonly string[];
  /** host:port of the gRPC server. */
  readonly grpc: string;
  /** host:port of the HTTP server. */
  readonly http: string;
  /** The SPAN lines printed so far. */
  spans(): Span[];
}

/** A span the Go side recorded. */
export interface Span {
  readonly name: string;
  readonly kind: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly service: string;
}

function spansOf(child: Child): Span[] {
  return child.output.split("\n").filter((l) => l.startsWith("SPAN ")).map((l) =>
    JSON.parse(l.slice(5))
  );
}

/** Starts a Go Kratos app registered in etcd and waits (bounded) for it to be registered. */
export async function startGoServer(major: Major, o: GoServerOptions): Promise<GoServer> {
  const binary = await buildPeer(major);
  const args = ["serve", "-etcd", o.etcd, "-name", o.name, "-id", o.id, "-ttl", `${o.ttl ?? 15}s`];
  if (o.tls) args.push("-tls-cert", o.tls.cert, "-tls-key", o.tls.key);
  if (o.ca) args.push("-ca", o.ca);
  for (const e of o.endpoints ?? []) args.push("-endpoint", e);
  const child = new Child(`kratos ${major} ${o.id}`, binary, args);
  const ready = JSON.parse((await child.waitFor(/^READY (.*)$/, 20_000))[1]);
  const hostOf = (re: RegExp) =>
    (ready.endpoints as string[]).map((e) => e.match(re)?.[1]).find((h) => h !== undefined) ?? "";
  return {
    child,
    endpoints: ready.endpoints,
    grpc: hostOf(/^grpcs?:\/\/([^/?]+)/),
    http: hostOf(/^https?:\/\/([^/?]+)/),
    spans: () => spansOf(child),
  };
}

/** A call the Go client makes. */
export interface GoCall {
  /** `discovery:///name` or host:port. */
  readonly target: string;
  readonly transport: "grpc" | "http";
  readonly method: "SayHello" | "Fail" | "Relay";
  /** The request in protojson. */
  readonly request?: unknown;
  /** Client metadata (every value is sent). */
  readonly metadata?: Record<string, string[]>;
  /** Dial with TLS, trusting the client's CA. */
  readonly tls?: boolean;
}

/** What errors.FromError gave the Go client, plus the gRPC code on the wire. */
export interface GoError {
  readonly code: number;
  readonly reason: string;
  readonly message: string;
  readonly metadata: Record<string, string> | null;
  readonly grpcCode?: number;
}

/** The answer to one call. */
export interface GoResult {
  readonly reply?: Record<string, unknown>;
  readonly error?: GoError;
  /** Trace id of the client's root span. */
  readonly traceId: string;
}

/** A Go Kratos client process. */
export interface GoClient {
  /** Makes one call (bounded by `timeoutMs`). */
  call(call: GoCall, timeoutMs?: number): Promise<GoResult>;
  /** The SPAN lines printed so far. */
  spans(): Span[];
  /** Ends the process. */
  close(): Promise<void>;
}

/** Starts a Go Kratos client discovering through `etcd`. */
export async function startGoClient(
  major: Major,
  etcd: string,
  options: { readonly ca?: string } = {},
): Promise<GoClient> {
  const binary = await buildPeer(major);
  const args = ["client", "-etcd", etcd];
  if (options.ca) args.push("-ca", options.ca);
  const child = new Child(`kratos ${major} client`, binary, args, { stdin: "piped" });
  await child.waitFor(/^READY /, 20_000);
  let next = 0;
  return {
    async call(call, timeoutMs = 10_000) {
      const id = ++next;
      await child.write(`${JSON.stringify({ id, ...call })}\n`);
      const line = await child.waitFor(new RegExp(`^RESULT (\\{"id":${id},.*)$`), timeoutMs);
      return JSON.parse(line[1]);
    },
    spans: () => spansOf(child),
    close: () => child.close(),
  };
}
