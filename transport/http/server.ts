// The HTTP server: a Hono app with one route per RPC (Connect and gRPC-Web on every runtime,
// native gRPC answered with a clear Trailers-Only status), served by the runtime's native
// listener — Deno.serve, Bun.serve, node:http — or exported as `fetch` on Workers.
import type { Registry } from "@bufbuild/protobuf";
import { type Context, Hono } from "hono";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  universalServerRequestFromFetch,
  universalServerResponseToFetch,
} from "@connectrpc/connect/protocol";
import { advertiseHost, joinHostPort, parseAddress } from "../address.ts";
import {
  checkConnectGet,
  grpcNeedsTrailers,
  looksLikeRpc,
  methodNotAllowed,
  rpcError,
  unknownRpc,
  unsupportedMediaType,
} from "../answers.ts";
import { InFlight } from "../drain.ts";
import { endWatches, isHealthWatch, withBuiltins } from "../builtins.ts";
import { addProbes, type HealthStatus } from "../health/mod.ts";
import { type AppInfo, kindOf, type MutableTransportInfo, serverCallValues } from "../info.ts";
import {
  buildRoutes,
  closeRoutes,
  DEFAULT_READ_MAX_BYTES,
  invokeRoute,
  rpcOptionsOf,
  type RpcRoute,
  type RpcServerOptions,
} from "../rpc.ts";
import { detectRuntime } from "../runtime/detect.ts";
import { aborted, type Listener, nativeListener, type TlsOptions } from "../runtime/mod.ts";
import {
  type ConnectionLimits,
  type Http2Limits,
  type ResolvedHttp2Limits,
  type ResolvedLimits,
  resolveHttp2Limits,
  resolveLimits,
} from "../runtime/limits.ts";
import type { Endpointer, Server, ServerContext } from "../server.ts";
import { encodedInit, TrackedHeaders } from "../fastpath/headers.ts";
import { fastRouteOf, serveFast } from "../fastpath/select.ts";
import { requestGone } from "../fastpath/gone.ts";
import { toResponse } from "../fastpath/reply.ts";
import { type RouteContext, wrapRoute } from "./route.ts";
import { type CorsHeaders, type CorsOptions, corsPolicy, withCorsHeaders } from "./cors.ts";
import { addSwaggerUi } from "./docs.ts";
import { drainingAnswer, trackUserRoutes } from "./user_routes.ts";
import { type DirectRoute, directRoutes, type RpcHandler, serveDirect } from "./direct_routes.ts";
import {
  type Binding,
  bindingsOf,
  openapiDocument,
  type OpenApiOptions,
  type RestHost,
  type RestJsonOptions,
  serveRest,
  shapeOf,
} from "../rest/mod.ts";
import { helper } from "../../log/mod.ts";
import { asHono, contractServices, executionContextOf, userApp } from "../adapter.ts";

export type { CorsOptions };

// The reason a call's signal aborts with when its client let go of the response.
const clientGone = new ConnectError("the client went away", Code.Canceled);

/**
 * The part of a Hono app the server uses. Pass your own `new Hono()` as `app` to keep its full
 * types on `server.app`.
 */
export interface HonoApp {
  /** Hono's fetch entry point. */
  fetch(request: Request, env?: unknown, executionCtx?: unknown): Response | Promise<Response>;
}

/** Options of `createHttpServer`. */
export interface HttpServerOptions<A extends HonoApp = HonoApp>
  extends RpcServerOptions, ConnectionLimits, Http2Limits {
  /** Listen address, e.g. `":8000"` or `"127.0.0.1:0"` (default `":0"`). */
  readonly address?: string;
  /** CORS for browser clients (off by default). */
  readonly cors?: CorsOptions;
  /** Serve HTTPS with this certificate. */
  readonly tls?: TlsOptions;
  /** Endpoint to advertise instead of the bound address. */
  readonly endpoint?: string | URL;
  /**
   * A Hono app of your own to mount the RPC routes on. Add your routes after passing it: those
   * added before are not counted in flight nor refused while the server drains.
   */
  readonly app?: A;
  /**
   * REST routes from the services' `google.api.http` annotations (on by default); `false` turns
   * them off, an object sets the JSON output options.
   */
  readonly rest?: false | RestJsonOptions;
  /** Serve gRPC server reflection, v1 and v1alpha (default true). */
  readonly reflection?: boolean;
  /** Serve `grpc.health.v1.Health` and the `/healthz` and `/readyz` probes (default true). */
  readonly health?: boolean;
  /** Serve the OpenAPI document of the REST routes (off by default). */
  readonly openapi?: boolean | OpenApiServeOptions;
}

/** Where and how the HTTP server publishes its OpenAPI document. */
export interface OpenApiServeOptions extends OpenApiOptions {
  /** Path of the JSON document (default `/openapi.json`). */
  readonly path?: string;
  /** Path of a Swagger UI page for it (`true`: `/docs`; off by default). */
  readonly swaggerUi?: boolean | string;
}

/** Creates an HTTP server serving `services` over Connect and gRPC-Web. */
export function createHttpServer<A extends HonoApp = HonoApp>(
  options: HttpServerOptions<A> = {},
): HttpServer<A> {
  return new HttpServer(options);
}

/** An HTTP server on Hono; see `createHttpServer`. */
export class HttpServer<A extends HonoApp = HonoApp> implements Server, Endpointer {
  /** The Hono app: add your own routes and middleware here. */
  readonly app: A;
  readonly #hono: Hono;
  readonly #address: { hostname: string; port: number };
  readonly #options: HttpServerOptions<A>;
  readonly #limits: ResolvedLimits;
  readonly #http2: ResolvedHttp2Limits;
  readonly #routes: Map<string, RpcRoute>;
  readonly #direct: Map<string, DirectRoute>;
  readonly #registry: Registry | undefined;
  readonly #inflight = new InFlight();
  readonly #watches = new InFlight();
  readonly #shutdown = new AbortController();
  readonly #runtime = detectRuntime();
  /** Health of this server: SERVING once started, NOT_SERVING from the moment `stop()` begins. */
  readonly health: HealthStatus;
  #listener: Listener | undefined;
  #app: AppInfo | undefined;
  #endpoint = "";

  /** Use `createHttpServer`. */
  constructor(options: HttpServerOptions<A>) {
    this.#options = options;
    this.#address = parseAddress(options.address ?? ":0");
    this.#limits = resolveLimits(options, "HTTP server");
    this.#http2 = resolveHttp2Limits(options, "HTTP server");
    this.#hono = asHono(options.app ?? new Hono());
    const earlier = (this.#hono as { routes?: unknown[] }).routes?.length ?? 0;
    this.app = userApp<A>(this.#hono);
    const served = withBuiltins(options.services ?? [], options);
    this.health = served.health;
    const rpc = rpcOptionsOf(options, served.services, this.#shutdown.signal);
    this.#registry = rpc.registry;
    this.#routes = buildRoutes(rpc);
    const rpcPaths = new Set([...this.#routes.values()].map((r) => r.path));
    const cors = options.cors ? corsPolicy(options.cors, (path) => rpcPaths.has(path)) : undefined;
    // Every route before the RPC routes but the CORS middleware: what could answer first.
    const ahead = [...this.#hono.routes];
    if (cors) this.#hono.use("*", cors.middleware);
    if (options.health !== false) addProbes(this.#hono, this.health);
    ahead.push(...this.#hono.routes.slice(ahead.length + (cors ? 1 : 0)));
    const rpcHandlers: [string, RpcHandler, Hono["routes"][number]][] = [];
    for (const route of this.#routes.values()) {
      // One handler per RPC path (not one per verb plus a fallback): Hono then runs a single
      // handler per call. Wrong verbs are answered in the RPC's terms instead of a bare 404.
      // CORS headers of a non-preflight call come with the reply (see cors.ts).
      const allowed = route.allowedMethods;
      const handler: RpcHandler = (request, env) => {
        const origin = cors?.readsOrigin ? request.headers.get("origin") : null;
        const extra = cors?.headersFor(origin);
        if (!allowed.includes(request.method)) {
          return withCorsHeaders(
            methodNotAllowed(
              allowed,
              request.method,
              route.path,
              request.headers.get("content-type"),
            ),
            extra,
          );
        }
        return this.#serveRpc(request, env, route, extra, cors?.plainHeadersFor(origin));
      };
      this.#hono.all(route.path, (c) => handler(c.req.raw, c.env));
      // Under a base path Hono's path is not the RPC's (nor the one CORS passes on): left to Hono.
      const registered = this.#hono.routes[this.#hono.routes.length - 1];
      if (registered.path === route.path) rpcHandlers.push([route.path, handler, registered]);
    }
    this.#direct = directRoutes(ahead, rpcHandlers);
    if (options.rest !== false) this.#addRestRoutes(options.rest ?? {});
    if (options.openapi) this.#addOpenApi(options.openapi === true ? {} : options.openapi);
    // After the server's own routes (they count themselves, and the probes must keep answering
    // while draining), before any route the user adds next.
    trackUserRoutes(this.#hono, this.#inflight);
    if (earlier > 0) {
      helper().warnw(
        "HTTP server: routes added to the app before createHttpServer are not drained; add them after",
        "routes",
        earlier,
      );
    }
    this.#hono.notFound((c) => {
      // Refused like a user route while draining: it may be one the client expects here.
      if (this.#inflight.draining) return drainingAnswer();
      const req = c.req.raw;
      if (looksLikeRpc(req)) {
        return unknownRpc(kindOf(req.headers.get("content-type")), new URL(req.url).pathname);
      }
      return c.text("404 Not Found", 404);
    });
  }

  /** Serves one request: the entry point on Workers and for in-process tests. */
  readonly fetch = (
    request: Request,
    env?: unknown,
    executionCtx?: unknown,
  ): Response | Promise<Response> => {
    // A POST to an RPC path runs its route's handler without Hono's dispatch (router match,
    // Context, and with CORS a composed chain), with the same result: see direct_routes.ts.
    if (request.method === "POST") {
      const direct = this.#direct.get(this.#hono.getPath(request, { env }));
      if (direct !== undefined) return serveDirect(this.#hono, direct, request, env, executionCtx);
    }
    return this.#hono.fetch(request, env, executionContextOf(executionCtx));
  };

  /** Operations served, `/pkg.Service/Method`. */
  get operations(): string[] {
    return [...this.#routes.keys()];
  }

  /**
   * Wraps a plain Hono handler so it runs through this server's middleware as `operation`
   * (transport kind `http`), e.g.
   * `app.get("/users/:id", server.route("/users.v1.Users/Get", (c: Context) => c.json(…)))`
   * (annotate `c` with Hono's `Context` to keep its types).
   * Middleware errors (auth, rate limits) answer with the Kratos error body and status. Like
   * every route on `app`, it drains: counted in flight, refused with 503 once `stop()` began.
   */
  route<C extends RouteContext>(
    operation: string,
    handler: (c: C) => Response | Promise<Response>,
  ): (c: C) => Promise<Response> {
    return wrapRoute(
      { endpoint: () => this.#endpoint, app: () => this.#app },
      this.#options.middleware ?? [],
      operation,
      handler,
    );
  }

  /** The advertised URL, e.g. `http://10.0.0.5:8000`. */
  endpoint(): URL {
    if (this.#options.endpoint !== undefined) return new URL(this.#options.endpoint);
    const port = this.#listener?.port ?? this.#address.port;
    if (port === 0) {
      throw new Error("HTTP server: the endpoint of port 0 is known only after start()");
    }
    const scheme = this.#options.tls ? "https" : "http";
    return new URL(`${scheme}://${joinHostPort(advertiseHost(this.#address.hostname), port)}`);
  }

  /** Binds the native listener of this runtime and starts serving. */
  async start(ctx: ServerContext = {}): Promise<void> {
    if (this.#listener) throw new Error("HTTP server: already started");
    const listen = nativeListener();
    if (listen === undefined) {
      throw new Error(
        `HTTP server: no native listener on ${this.#runtime}; export the server's fetch instead`,
      );
    }
    this.#app = ctx.app;
    const { hostname, port } = this.#address;
    try {
      this.#listener = await listen(this.fetch, {
        hostname,
        port,
        tls: this.#options.tls,
        limits: this.#limits,
        http2: this.#http2,
      });
    } catch (error) {
      throw new Error(
        `HTTP server: cannot listen on ${joinHostPort(hostname, port)}: ${describe(error)}`,
        { cause: error },
      );
    }
    this.#endpoint = this.endpoint().href.replace(/\/$/, "");
    this.health.markServing();
    helper().infow(
      "HTTP server listening",
      "address",
      joinHostPort(hostname, this.#listener.port),
      "endpoint",
      this.#endpoint,
      "listener",
      this.#listener.name,
      "rpcs",
      this.#routes.size,
    );
  }

  /** Refuses new calls, lets in-flight ones finish, closes; force-closes when `ctx.signal` aborts. */
  async stop(ctx: ServerContext = {}): Promise<void> {
    this.#inflight.drain();
    this.health.markDraining();
    const force = ctx.signal ?? new AbortController().signal;
    const onForce = () => {
      if (this.#inflight.count > 0) {
        helper().warnw(
          "HTTP server: stop deadline reached, cutting calls",
          "in_flight",
          this.#inflight.count,
        );
      }
      this.#shutdown.abort(new ConnectError("the server is shutting down", Code.Unavailable));
    };
    force.addEventListener("abort", onForce, { once: true });
    if (force.aborted) onForce();
    const listener = this.#listener;
    if (listener) {
      helper().infow(
        "HTTP server stopping",
        "endpoint",
        this.#endpoint,
        "in_flight",
        this.#inflight.count,
      );
    }
    try {
      this.#listener = undefined;
      const idle = Promise.race([this.#inflight.idle(), aborted(force)]);
      await Promise.all([
        listener?.close(force, idle),
        idle.then(() => endWatches(this.health, this.#watches, force)),
      ]);
    } finally {
      force.removeEventListener("abort", onForce);
      closeRoutes(this.#routes);
    }
  }

  /** Sets the app info requests see when the server is used through `fetch` only (Workers). */
  bindApp(app: AppInfo): void {
    this.#app = app;
    // Workers never call start(): being bound to the app is when this server begins serving.
    this.health.markServing();
  }

  /** Whether the server is draining (stop was called). */
  get draining(): boolean {
    return this.#inflight.draining;
  }

  /** Calls in flight right now. */
  get inFlight(): number {
    return this.#inflight.count;
  }

  #addOpenApi(options: OpenApiServeOptions): void {
    const path = options.path ?? "/openapi.json";
    const services = [
      ...new Map([...this.#routes.values()].map((r) => [r.service.typeName, r.service]))
        .values(),
    ];
    let doc: string | undefined;
    this.#hono.get(path, (c) => {
      // Built on first request: a document nobody reads costs nothing at start-up.
      doc ??= JSON.stringify(openapiDocument(contractServices(services), {
        useProtoFieldName: this.#options.rest ? this.#options.rest.useProtoFieldName : undefined,
        ...options,
      }));
      return c.body(doc, 200, { "content-type": "application/json" });
    });
    if (options.swaggerUi) {
      const ui = options.swaggerUi === true ? "/docs" : options.swaggerUi;
      addSwaggerUi(this.#hono, ui, path);
    }
  }

  #addRestRoutes(json: RestJsonOptions): void {
    const host: RestHost = {
      inflight: this.#inflight,
      shutdownSignal: this.#shutdown.signal,
      readMaxBytes: this.#options.readMaxBytes ?? DEFAULT_READ_MAX_BYTES,
      json,
      jsonRead: { ignoreUnknownFields: true, registry: this.#registry },
      jsonWrite: {
        useProtoFieldName: json.useProtoFieldName ?? false,
        alwaysEmitImplicit: json.emitDefaults ?? false,
        registry: this.#registry,
      },
    };
    const shapes = new Map<string, string>();
    for (const route of this.#routes.values()) {
      for (const binding of bindingsOf(route.method)) {
        const shape = `${binding.verb} ${shapeOf(binding.template)}`;
        const other = shapes.get(shape);
        if (other !== undefined) {
          throw new TypeError(
            `google.api.http: ${binding.label} of ${route.operation} conflicts with ${other}`,
          );
        }
        shapes.set(shape, `${binding.label} of ${route.operation}`);
        this.#hono.on(
          binding.verb,
          binding.compiled.pattern,
          (c) => this.#serveRest(c, host, route, binding),
        );
      }
    }
  }

  async #serveRest(c: Context, host: RestHost, route: RpcRoute, binding: Binding) {
    const request = c.req.raw;
    if (this.#inflight.draining) return drainingAnswer();
    const info: MutableTransportInfo = {
      kind: "http",
      endpoint: this.#endpoint,
      operation: route.operation,
      requestHeader: request.headers,
      replyHeader: new Headers(),
      request,
      env: c.env,
      pathTemplate: binding.template.text,
    };
    const values = serverCallValues(info, this.#app);
    this.#inflight.enter();
    try {
      return await serveRest(host, route, binding, {
        request,
        params: c.req.param() as Record<string, string>,
        values,
        info,
      });
    } finally {
      this.#inflight.leave();
    }
  }

  async #serveRpc(
    request: Request,
    env: unknown,
    route: RpcRoute,
    extra: CorsHeaders | undefined,
    plainExtra: CorsHeaders | undefined,
  ): Promise<Response> {
    const contentType = request.headers.get("content-type");
    const kind = request.method === "GET" ? "connect" : kindOf(contentType);
    if (kind === "grpc") {
      return withCorsHeaders(grpcNeedsTrailers(route.operation, this.#listenerName()), extra);
    }
    if (this.#inflight.draining) {
      return withCorsHeaders(
        rpcError(kind, 503, Code.Unavailable, "the server is shutting down"),
        extra,
      );
    }
    let query: URLSearchParams | undefined;
    if (request.method === "GET") {
      const url = new URL(request.url);
      const bad = checkConnectGet(url);
      if (bad) return withCorsHeaders(bad, extra);
      query = url.searchParams;
    }
    const info: MutableTransportInfo = {
      kind,
      endpoint: this.#endpoint,
      operation: route.operation,
      requestHeader: request.headers,
      replyHeader: new TrackedHeaders(),
      request,
      env,
    };
    const values = serverCallValues(info, this.#app);
    const fast = fastRouteOf(route.unary, kind, request.method, contentType, query);
    if (fast !== undefined) {
      this.#inflight.enter();
      try {
        return toResponse(
          await serveFast(route.unary!, fast, {
            request,
            values,
            info,
            query,
            extraHeaders: extra,
            plainExtraHeaders: plainExtra,
            gone: requestGone(request),
          }),
        );
      } finally {
        this.#inflight.leave();
      }
    }
    const inflight = isHealthWatch(route.operation) ? this.#watches : this.#inflight;
    inflight.enter();
    // The call's signal aborts when the client lets go of the response before its end (the
    // runtime cancels the body), never because a response completed: Deno.serve's
    // request.signal also aborts after every successful response (its legacy behaviour, which
    // warns when the signal is so much as read), so on Deno it is not read at all. Elsewhere
    // it joins in, for a client that leaves while the handler has not answered yet.
    const gone = new AbortController();
    let response;
    try {
      response = await invokeRoute(
        route,
        // Fetch hides the HTTP version, and Connect-ES uses it only to refuse bidi streams on
        // HTTP/1.x. Declaring 2.0 lets bidi through: full duplex over h2c (buf curl's
        // reflection), half duplex (every request message first) over HTTP/1.1 and Workers.
        universalServerRequestFromFetch({
          method: request.method,
          url: request.url,
          headers: request.headers,
          body: request.body,
          signal: this.#runtime === "deno"
            ? gone.signal
            : AbortSignal.any([request.signal, gone.signal]),
        } as Request, { httpVersion: "2.0" }),
        values,
        // The call stays in flight until its body is written (streams), not just until the
        // handler returned.
        (abandoned) => {
          inflight.leave();
          if (abandoned) gone.abort(clientGone);
        },
      );
    } catch (error) {
      inflight.leave();
      throw error;
    }
    if (response.body === undefined) inflight.leave();
    if (response.status === 415) {
      await response.body?.[Symbol.asyncIterator]().return?.();
      return withCorsHeaders(unsupportedMediaType(contentType), extra);
    }
    // Connect unary replies Connect-ES compressed carry content-encoding (streams do not).
    if (response.header?.has("content-encoding")) {
      const body = universalServerResponseToFetch(response).body;
      return withCorsHeaders(
        new Response(body, encodedInit(response.status, new Headers(response.header))),
        extra,
      );
    }
    return withCorsHeaders(universalServerResponseToFetch(response), extra);
  }

  #listenerName(): string {
    return this.#listener?.name ?? (this.#runtime === "workerd" ? "Workers" : "a Fetch server");
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
