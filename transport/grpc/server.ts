// The gRPC server: node:http2 (h2c, or TLS) serving the same registrations as the HTTP server.
// HTTP/2 trailers are what native gRPC needs and what Fetch servers lack; node:http2 has them
// on Node, Bun and Deno. Connect and gRPC-Web over HTTP/2 are served here too.
import type * as http2 from "node:http2";
import type { Socket } from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import { newValues } from "../../internal/context.ts";
import { advertiseHost, joinHostPort, parseAddress } from "../address.ts";
import { rpcError, unknownRpc, unsupportedMediaType } from "../answers.ts";
import { type CompressionCodec, gzip } from "../compression.ts";
import { InFlight } from "../drain.ts";
import {
  type AppInfo,
  appInfoKey,
  kindOf,
  type MutableTransportInfo,
  serverTransportKey,
} from "../info.ts";
import { buildRoutes, invokeRoute, type RpcRoute, type ServiceRegistration } from "../rpc.ts";
import { aborted, type TlsOptions } from "../runtime/mod.ts";
import type { Endpointer, Server, ServerContext } from "../server.ts";
import type { Middleware } from "../types.ts";
import { writeUniversalResponse } from "./write.ts";
import { helper } from "../../log/mod.ts";

/** Options of `createGrpcServer`. */
export interface GrpcServerOptions {
  /** Listen address, e.g. `":9000"` (default `":0"`). */
  readonly address?: string;
  /** Services to serve. */
  readonly services?: readonly ServiceRegistration[];
  /** Middleware for every RPC, outermost first. */
  readonly middleware?: readonly Middleware[];
  /** Deadline of each unary call in ms (default 10 000; 0 disables). */
  readonly timeout?: number;
  /** Largest request message in bytes (default 4 MiB). */
  readonly readMaxBytes?: number;
  /** Largest response message in bytes (default 16 MiB). */
  readonly writeMaxBytes?: number;
  /** Compression codecs offered (default gzip); `false` disables. */
  readonly compression?: readonly CompressionCodec[] | false;
  /** Serve TLS (`grpcs://`) with this certificate. */
  readonly tls?: TlsOptions;
  /** Endpoint to advertise instead of the bound address. */
  readonly endpoint?: string | URL;
}

const MiB = 1024 * 1024;

/** Creates a gRPC server over `node:http2` (Node, Bun and Deno). */
export function createGrpcServer(options: GrpcServerOptions = {}): GrpcServer {
  return new GrpcServer(options);
}

type NodeAdapter = typeof import("@connectrpc/connect-node");

/** A gRPC server on `node:http2`; see `createGrpcServer`. */
export class GrpcServer implements Server, Endpointer {
  readonly #options: GrpcServerOptions;
  readonly #address: { hostname: string; port: number };
  readonly #routes: Map<string, RpcRoute>;
  readonly #inflight = new InFlight();
  readonly #shutdown = new AbortController();
  readonly #sessions = new Set<http2.ServerHttp2Session>();
  #server: http2.Http2Server | undefined;
  #port = 0;
  #adapter: NodeAdapter | undefined;
  #app: AppInfo | undefined;
  #endpoint = "";

  /** Use `createGrpcServer`. */
  constructor(options: GrpcServerOptions) {
    this.#options = options;
    this.#address = parseAddress(options.address ?? ":0");
    this.#routes = buildRoutes({
      services: options.services ?? [],
      middleware: options.middleware ?? [],
      timeoutMs: options.timeout ?? 10_000,
      readMaxBytes: options.readMaxBytes ?? 4 * MiB,
      writeMaxBytes: options.writeMaxBytes ?? 16 * MiB,
      compression: options.compression === false ? [] : (options.compression ?? [gzip]),
      shutdownSignal: this.#shutdown.signal,
    });
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
      this.#adapter = await import("@connectrpc/connect-node");
    } catch (error) {
      throw new Error("gRPC server: node:http2 is not available on this runtime", {
        cause: error,
      });
    }
    const onRequest = (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) =>
      void this.#onRequest(req, res);
    const server = this.#options.tls
      ? http2mod.createSecureServer(
        { cert: this.#options.tls.cert, key: this.#options.tls.key, allowHTTP1: false },
        onRequest,
      )
      : http2mod.createServer({}, onRequest);
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
    this.#endpoint = this.endpoint().href.replace(/\/$/, "");
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
      // Every call is done; sessions a client keeps open idle would hold close() forever.
      for (const s of this.#sessions) s.destroy();
      await closed;
    } finally {
      force.removeEventListener("abort", onForce);
      this.#server = undefined;
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

  async #onRequest(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?", 1)[0];
    const contentType = req.headers["content-type"] ?? null;
    const kind = req.method === "GET" ? "connect" : kindOf(contentType);
    const route = this.#routes.get(path);
    if (route === undefined) return writeFetchResponse(res, unknownRpc(kind, path));
    if (this.#inflight.draining) {
      return writeFetchResponse(
        res,
        rpcError(kind, 503, Code.Unavailable, "the server is shutting down"),
      );
    }
    const adapter = this.#adapter!;
    const values = newValues();
    const request = adapter.universalRequestFromNodeRequest(req, res, undefined, values);
    const info: MutableTransportInfo = {
      kind,
      endpoint: this.#endpoint,
      operation: route.operation,
      requestHeader: request.header,
      replyHeader: new Headers(),
      env: { incoming: req, outgoing: res },
    };
    values.set(serverTransportKey, info);
    if (this.#app) values.set(appInfoKey, this.#app);
    this.#inflight.enter();
    let entered = true;
    const leave = () => {
      if (entered) {
        entered = false;
        this.#inflight.leave();
      }
    };
    try {
      const response = await invokeRoute(route, request, values);
      if (response.status === 415) {
        leave();
        return writeFetchResponse(res, unsupportedMediaType(contentType));
      }
      await writeUniversalResponse(response, res);
    } catch {
      // The adapter already reset the stream; the client sees the stream error.
      if (!res.headersSent && !res.destroyed) {
        writeFetchResponse(res, rpcError(kind, 500, Code.Internal, "internal error"));
      }
    } finally {
      leave();
    }
  }
}

async function writeFetchResponse(res: http2.Http2ServerResponse, response: Response) {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => (headers[key] = value));
  const body = new Uint8Array(await response.arrayBuffer());
  if (res.destroyed) return;
  res.writeHead(response.status, headers);
  res.end(body);
}
