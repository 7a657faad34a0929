// The gRPC server: node:http2 (h2c, or TLS) serving the same registrations as the HTTP server.
// HTTP/2 trailers are what native gRPC needs and what Fetch servers lack; node:http2 has them
// on Node, Bun and Deno. Connect and gRPC-Web over HTTP/2 are served here too, on the same fast
// path as the HTTP server's (transport/fastpath/select.ts chooses for both).
import type * as http2 from "node:http2";
import type { Socket } from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import { advertiseHost, joinHostPort, parseAddress } from "../address.ts";
import { rpcError, unknownRpc, unsupportedMediaType } from "../answers.ts";
import { InFlight } from "../drain.ts";
import { endWatches, isHealthWatch, withBuiltins } from "../builtins.ts";
import type { HealthStatus } from "../health/mod.ts";
import { type AppInfo, kindOf, type MutableTransportInfo, serverCallValues } from "../info.ts";
import {
  buildRoutes,
  closeRoutes,
  invokeRoute,
  rpcOptionsOf,
  type RpcRoute,
  type RpcServerOptions,
} from "../rpc.ts";
import { aborted, clientAuth, type TlsOptions } from "../runtime/mod.ts";
import {
  DEFAULT_LIMITS,
  type Http2Limits,
  nodeHttp2Options,
  positive,
  type ResolvedHttp2Limits,
  resolveHttp2Limits,
} from "../runtime/limits.ts";
import type { Endpointer, Server, ServerContext } from "../server.ts";
import type { TransportKind } from "../../internal/contract.ts";
import { replyHeaderOf, writeReply } from "../fastpath/grpc.ts";
import { StreamRequest } from "../fastpath/body.ts";
import { TrackedHeaders } from "../fastpath/headers.ts";
import { fastRouteOf, serveFast } from "../fastpath/select.ts";
import { streamGone } from "../fastpath/gone.ts";
import { universalRequest, writeUniversal } from "./stream.ts";
import { BodyDeadline } from "../runtime/body_deadline.ts";
import { requestHeaders, toObject } from "./headers.ts";
import { helper } from "../../log/mod.ts";

/** Options of `createGrpcServer`. */
export interface GrpcServerOptions extends RpcServerOptions, Http2Limits {
  /**
   * Time a unary or server-streaming call may take to send its request, in ms (default
   * 300 000, as Node's `requestTimeout`); then it is answered DEADLINE_EXCEEDED and reset.
   * Streaming requests are bounded by their deadline only.
   */
  readonly requestTimeoutMs?: number;
  /** Listen address, e.g. `":9000"` (default `":0"`). */
  readonly address?: string;
  /** Serve TLS (`grpcs://`) with this certificate. */
  readonly tls?: TlsOptions;
  /** Endpoint to advertise instead of the bound address. */
  readonly endpoint?: string | URL;
  /** Serve gRPC server reflection, v1 and v1alpha (default true). */
  readonly reflection?: boolean;
  /** Serve `grpc.health.v1.Health` (default true). */
  readonly health?: boolean;
}

/** Creates a gRPC server over `node:http2` (Node, Bun and Deno). */
export function createGrpcServer(options: GrpcServerOptions = {}): GrpcServer {
  return new GrpcServer(options);
}

/** A gRPC server on `node:http2`; see `createGrpcServer`. */
export class GrpcServer implements Server, Endpointer {
  readonly #options: GrpcServerOptions;
  readonly #address: { hostname: string; port: number };
  readonly #routes: Map<string, RpcRoute>;
  readonly #inflight = new InFlight();
  readonly #watches = new InFlight();
  readonly #shutdown = new AbortController();
  readonly #sessions = new Set<http2.ServerHttp2Session>();
  #server: http2.Http2Server | undefined;
  #port = 0;
  #app: AppInfo | undefined;
  #endpoint = "";
  readonly #scheme: string;
  readonly #limits: ResolvedHttp2Limits;
  readonly #bodies: BodyDeadline<TransportKind>;
  /** Health of this server: SERVING once started, NOT_SERVING from the moment `stop()` begins. */
  readonly health: HealthStatus;

  /** Use `createGrpcServer`. */
  constructor(options: GrpcServerOptions) {
    this.#options = options;
    this.#address = parseAddress(options.address ?? ":0");
    this.#limits = resolveHttp2Limits(options, "gRPC server");
    this.#bodies = new BodyDeadline(
      positive(
        options.requestTimeoutMs,
        DEFAULT_LIMITS.requestTimeoutMs,
        "requestTimeoutMs",
        "gRPC server",
      ),
      expire,
    );
    const served = withBuiltins(options.services ?? [], options);
    this.health = served.health;
    this.#routes = buildRoutes(rpcOptionsOf(options, served.services, this.#shutdown.signal));
    this.#scheme = options.tls ? "https" : "http";
  }

  /** Operations served, `/pkg.Service/Method`. */
  get operations(): string[] {
    return [...this.#routes.keys()];
  }

  /** The advertised URL, e.g. `grpc://10.0.0.5:9000`. */
  endpoint(): URL {
    if (this.#options.endpoint !== undefined) return new URL(this.#options.endpoint);
    const port = this.#server ? this.#port : this.#address.port;
    if (port === 0) {
      throw new Error("gRPC server: the endpoint of port 0 is known only after start()");
    }
    const scheme = this.#options.tls ? "grpcs" : "grpc";
    return new URL(`${scheme}://${joinHostPort(advertiseHost(this.#address.hostname), port)}`);
  }

  /** Binds and starts serving. */
  async start(ctx: ServerContext = {}): Promise<void> {
    if (this.#server) throw new Error("gRPC server: already started");
    this.#app = ctx.app;
    let http2mod: typeof import("node:http2");
    try {
      http2mod = await import("node:http2");
    } catch (error) {
      throw new Error("gRPC server: node:http2 is not available on this runtime", {
        cause: error,
      });
    }
    const tls = this.#options.tls;
    const server = tls
      ? http2mod.createSecureServer({
        cert: tls.cert,
        key: tls.key,
        allowHTTP1: false,
        ...nodeHttp2Options(this.#limits),
        ...clientAuth(tls),
      })
      : http2mod.createServer(nodeHttp2Options(this.#limits));
    server.on(
      "stream",
      (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) =>
        void this.#onStream(stream, headers),
    );
    server.on("connection", (socket: Socket) => socket.setNoDelay(true));
    server.on("session", (session: http2.ServerHttp2Session) => {
      this.#sessions.add(session);
      session.once("close", () => this.#sessions.delete(session));
      session.on("error", () => {});
    });
    server.on("sessionError", () => {});
    const { hostname, port } = this.#address;
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => {
        reject(
          new Error(
            `gRPC server: cannot listen on ${joinHostPort(hostname, port)}: ${error.message}`,
            { cause: error },
          ),
        );
      };
      server.once("error", onError);
      server.listen(port, hostname, () => {
        server.off("error", onError);
        resolve();
      });
    });
    const addr = server.address();
    this.#port = typeof addr === "object" && addr !== null ? addr.port : port;
    this.#server = server as http2.Http2Server;
    this.#bodies.start();
    this.#endpoint = this.endpoint().href.replace(/\/$/, "");
    this.health.markServing();
    helper().infow(
      "gRPC server listening",
      "address",
      joinHostPort(hostname, this.#port),
      "endpoint",
      this.#endpoint,
      "rpcs",
      this.#routes.size,
    );
  }

  /** Refuses new calls (GOAWAY), lets in-flight ones finish, closes; forces on `ctx.signal`. */
  async stop(ctx: ServerContext = {}): Promise<void> {
    this.#inflight.drain();
    this.health.markDraining();
    const server = this.#server;
    if (!server) return;
    const force = ctx.signal ?? new AbortController().signal;
    helper().infow(
      "gRPC server stopping",
      "endpoint",
      this.#endpoint,
      "in_flight",
      this.#inflight.count,
    );
    const onForce = () => {
      if (this.#inflight.count > 0) {
        helper().warnw(
          "gRPC server: stop deadline reached, cutting calls",
          "in_flight",
          this.#inflight.count,
        );
      }
      this.#shutdown.abort(new ConnectError("the server is shutting down", Code.Unavailable));
      for (const s of this.#sessions) s.destroy();
    };
    force.addEventListener("abort", onForce, { once: true });
    try {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // GOAWAY: clients stop opening streams here; streams already open run to completion.
      for (const s of this.#sessions) s.close();
      if (force.aborted) onForce();
      await Promise.race([this.#inflight.idle(), aborted(force)]);
      await endWatches(this.health, this.#watches, force);
      // Every call is done. A closed session ends by itself once the frames of its last
      // stream are flushed; destroying it at once could cut the trailers of a stream that
      // has just ended (grpc-js then reports "Connection dropped"). Sessions a client keeps
      // open idle may never end, so the wait is bounded before they are destroyed.
      await sessionsClosed(this.#sessions, SESSION_CLOSE_GRACE_MS, force);
      for (const s of this.#sessions) s.destroy();
      await closed;
    } finally {
      force.removeEventListener("abort", onForce);
      this.#server = undefined;
      this.#bodies.stop();
      closeRoutes(this.#routes);
    }
  }

  /** Whether the server is draining (stop was called). */
  get draining(): boolean {
    return this.#inflight.draining;
  }

  /** Calls in flight right now. */
  get inFlight(): number {
    return this.#inflight.count;
  }

  async #onStream(
    stream: http2.ServerHttp2Stream,
    headers: http2.IncomingHttpHeaders,
  ): Promise<void> {
    stream.on("error", ignore);
    const rawPath = headers[":path"] ?? "/";
    const q = rawPath.indexOf("?");
    const path = q < 0 ? rawPath : rawPath.slice(0, q);
    const method = headers[":method"] ?? "GET";
    const contentType = headers["content-type"] ?? null;
    const kind = method === "GET" ? "connect" : kindOf(contentType);
    const route = this.#routes.get(path);
    if (route === undefined) return writeAnswer(stream, unknownRpc(kind, path));
    if (this.#inflight.draining) {
      return writeAnswer(
        stream,
        rpcError(kind, 503, Code.Unavailable, "the server is shutting down"),
      );
    }
    const header = requestHeaders(headers);
    const url = `${this.#scheme}://${headers[":authority"] ?? "localhost"}${rawPath}`;
    const query = method === "GET" ? new URL(url).searchParams : undefined;
    const fast = fastRouteOf(route.unary, kind, method, contentType, query);
    const info: MutableTransportInfo = {
      kind,
      endpoint: this.#endpoint,
      operation: route.operation,
      requestHeader: header,
      replyHeader: fast === undefined
        ? new Headers()
        : fast.protocol === "grpc"
        ? replyHeaderOf(fast.binary)
        : new TrackedHeaders(),
      env: { stream, headers },
    };
    const values = serverCallValues(info, this.#app);
    const inflight = isHealthWatch(route.operation) ? this.#watches : this.#inflight;
    inflight.enter();
    if (route.method.methodKind === "unary" || route.method.methodKind === "server_streaming") {
      this.#bodies.track(stream, kind);
    }
    try {
      if (fast !== undefined) {
        const request = new StreamRequest(method, url, header, stream);
        await writeReply(
          stream,
          await serveFast(route.unary!, fast, {
            request,
            values,
            info,
            query,
            gone: streamGone(stream),
          }),
        );
        return;
      }
      const response = await invokeRoute(
        route,
        universalRequest(stream, method, url, header, values),
        values,
      );
      if (response.status === 415) {
        return await writeAnswer(stream, unsupportedMediaType(contentType));
      }
      await writeUniversal(stream, response);
    } catch {
      if (!stream.headersSent && !stream.destroyed) {
        await writeAnswer(stream, rpcError(kind, 500, Code.Internal, "internal error"));
      } else if (!stream.destroyed) {
        stream.close(2); // NGHTTP2_INTERNAL_ERROR
      }
    } finally {
      this.#bodies.done(stream);
      inflight.leave();
    }
  }
}

// Errors of a stream end in its "close"; one shared listener keeps them from being thrown.
const ignore = () => {};

// Answers a call whose request did not arrive in time, then stops its client sending (RST_STREAM
// NO_ERROR after a complete response, RFC 9113 §8.1); the handler waiting for the body sees the
// stream close.
function expire(stream: http2.ServerHttp2Stream, kind: TransportKind): void {
  if (stream.headersSent) {
    stream.close(8); // NGHTTP2_CANCEL
    return;
  }
  stream.once("finish", () => stream.close(0)); // NGHTTP2_NO_ERROR
  void writeAnswer(
    stream,
    rpcError(
      kind,
      408,
      Code.DeadlineExceeded,
      "the request did not arrive within requestTimeoutMs",
    ),
  );
}

// How long stop() lets closed sessions flush and end before destroying them.
const SESSION_CLOSE_GRACE_MS = 500;

// Resolves when every session has closed, `ms` passed, or `force` aborted.
function sessionsClosed(
  sessions: Set<http2.ServerHttp2Session>,
  ms: number,
  force: AbortSignal,
): Promise<void> {
  // `closed` is already true here (close() was called): only `destroyed` means gone.
  const open = [...sessions].filter((s) => !s.destroyed);
  if (open.length === 0 || force.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    let left = open.length;
    const done = () => {
      clearTimeout(timer);
      force.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    force.addEventListener("abort", done, { once: true });
    for (const s of open) s.once("close", () => --left === 0 && done());
  });
}

async function writeAnswer(stream: http2.ServerHttp2Stream, response: Response): Promise<void> {
  const head = toObject(response.headers);
  head[":status"] = String(response.status);
  const body = new Uint8Array(await response.arrayBuffer());
  if (stream.destroyed || stream.closed) return;
  await new Promise<void>((resolve) => {
    stream.once("close", resolve);
    stream.respond(head, { endStream: body.byteLength === 0 });
    if (body.byteLength > 0) stream.end(body);
  });
}
