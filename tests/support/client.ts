// Echo servers for client tests: each answers with its own name and counts the calls it served,
// so tests can tell which instance a call reached. Failures and slowness are scripted per server.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextValues, type HandlerContext } from "@connectrpc/connect";
import { App } from "../../mod.ts";
import type { Registrar, ServiceInstance } from "../../registry/mod.ts";
import {
  type CallRequest,
  type CallResponse,
  createGrpcServer,
  createHttpServer,
  type Middleware,
} from "../../transport/mod.ts";
import {
  Echo,
  type EchoReply,
  EchoReplySchema,
  type EchoRequest,
  EchoRequestSchema,
} from "../client/proto/gen/fixture/client/v1/echo_pb.ts";

type Reply = Omit<EchoReply, "$typeName">;

/** How an echo server behaves; every hook may change between calls. */
export interface EchoBehaviour {
  /** An error to answer the `n`-th call (1-based, counted per server) of `method` with. */
  fail?: (method: string, n: number) => ConnectError | undefined;
  /** Resolves when a call may answer (slow or gated servers). */
  delay?: (method: string, signal: AbortSignal) => Promise<void>;
  /** Messages `list` sends before failing with `streamFailure`, if set. */
  streamFailure?: { after: number; error: ConnectError };
}

/** The Echo implementation of server `name`; `calls` counts per method. */
export function echoImpl(name: string, behaviour: EchoBehaviour = {}) {
  const calls = new Map<string, number>();
  const count = (method: string) => {
    const n = (calls.get(method) ?? 0) + 1;
    calls.set(method, n);
    return n;
  };
  const answer = async (method: string, req: EchoRequest, ctx: HandlerContext): Promise<Reply> => {
    const n = count(method);
    await behaviour.delay?.(method, ctx.signal);
    const error = behaviour.fail?.(method, n);
    if (error) throw error;
    return { text: req.text, server: name, seen: n };
  };
  const impl = {
    get: (req: EchoRequest, ctx: HandlerContext) => answer("get", req, ctx),
    put: (req: EchoRequest, ctx: HandlerContext) => answer("put", req, ctx),
    post: (req: EchoRequest, ctx: HandlerContext) => answer("post", req, ctx),
    async *list(req: EchoRequest, ctx: HandlerContext): AsyncGenerator<Reply> {
      const n = count("list");
      await behaviour.delay?.("list", ctx.signal);
      const error = behaviour.fail?.("list", n);
      if (error) throw error;
      for (let i = 1; i <= Math.max(1, req.count); i++) {
        if (behaviour.streamFailure && i > behaviour.streamFailure.after) {
          throw behaviour.streamFailure.error;
        }
        yield { text: `${req.text} ${i}`, server: name, seen: n };
      }
    },
    async collect(reqs: AsyncIterable<EchoRequest>): Promise<Reply> {
      const n = count("collect");
      const texts: string[] = [];
      for await (const r of reqs) texts.push(r.text);
      const error = behaviour.fail?.("collect", n);
      if (error) throw error;
      return { text: texts.join(","), server: name, seen: n };
    },
    async *chat(reqs: AsyncIterable<EchoRequest>): AsyncGenerator<Reply> {
      const n = count("chat");
      for await (const r of reqs) yield { text: r.text.toUpperCase(), server: name, seen: n };
    },
  };
  return { impl, calls };
}

/** A running echo server pair (HTTP + gRPC) under an App. */
export interface EchoServer {
  /** The server's name (also its instance id). */
  readonly name: string;
  /** `http://127.0.0.1:port` of the HTTP server. */
  readonly http: string;
  /** `grpc://127.0.0.1:port` of the gRPC server. */
  readonly grpc: string;
  /** Calls served, per method. */
  readonly calls: Map<string, number>;
  /** Total calls served. */
  total(): number;
  /** The registry record of this server (both endpoints). */
  readonly instance: ServiceInstance;
  /** The app serving it. */
  readonly app: App;
  /** Stops gracefully (deregisters first, then drains); idempotent. */
  stop(): Promise<void>;
}

/** Options of `startEcho`. */
export interface StartEchoOptions extends EchoBehaviour {
  /** Registers the instance here, under service `service`. */
  registrar?: Registrar;
  /** Service name in the registry (default `echo`). */
  service?: string;
  /** Instance metadata (e.g. `{ weight: "300" }`). */
  metadata?: Record<string, string>;
  /** Server middleware. */
  middleware?: Middleware[];
}

/** Starts an echo server on loopback ports, registered if a registrar is given. */
export async function startEcho(name: string, options: StartEchoOptions = {}): Promise<EchoServer> {
  const { impl, calls } = echoImpl(name, options);
  const services = [[Echo, impl]] as const;
  const middleware = options.middleware ?? [];
  const http = createHttpServer({ address: "127.0.0.1:0", services, middleware });
  const grpc = createGrpcServer({ address: "127.0.0.1:0", services, middleware });
  let started!: () => void;
  const ready = new Promise<void>((resolve) => (started = resolve));
  const app = new App({
    id: name,
    name: options.service ?? "echo",
    version: "v1",
    metadata: options.metadata,
    servers: [http, grpc],
    registrar: options.registrar,
    signals: false,
    stopTimeoutMs: 5_000,
    afterStart: () => started(),
  });
  const running = app.run();
  await Promise.race([
    ready,
    running.then(() => {
      throw new Error(`echo ${name} stopped while starting`);
    }),
  ]);
  let stopping: Promise<void> | undefined;
  return {
    name,
    http: http.endpoint().href.replace(/\/$/, ""),
    grpc: grpc.endpoint().href.replace(/\/$/, ""),
    calls,
    total: () => [...calls.values()].reduce((a, b) => a + b, 0),
    instance: app.instance(),
    app,
    stop: () =>
      stopping ??= (async () => {
        await app.stop();
        await running.catch(() => {});
      })(),
  };
}

/** An Unavailable error as a draining server sends it. */
export function unavailable(message = "try elsewhere"): ConnectError {
  return new ConnectError(message, Code.Unavailable);
}

/** Resolves when `probe()` holds; fails after `ms` naming `what` (bounded, no fixed sleeps). */
export async function until(probe: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`${what}: not true within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A request as client middleware sees it, for calling middleware without a network. */
export function callRequest(
  localName: "get" | "put" | "post" | "list" | "collect" | "chat",
  extra: { signal?: AbortSignal } = {},
): CallRequest {
  const method = Echo.method[localName];
  const common = {
    method,
    service: Echo,
    requestMethod: "POST",
    url: `http://test/${Echo.typeName}/${method.name}`,
    signal: extra.signal ?? new AbortController().signal,
    header: new Headers(),
    contextValues: createContextValues(),
  };
  const message = create(EchoRequestSchema, { text: "t" });
  if (method.methodKind === "unary") return { ...common, stream: false, message };
  return {
    ...common,
    stream: true,
    message: (async function* () {
      yield message;
    })(),
  };
}

/** A unary response to `req`. */
export function unaryResponse(req: CallRequest, text = "ok"): CallResponse {
  return {
    stream: false,
    method: req.method,
    service: req.service,
    header: new Headers(),
    trailer: new Headers(),
    message: create(EchoReplySchema, { text }),
  };
}

/** A stream response yielding `texts`, then throwing `error` if given. */
export function streamResponse(req: CallRequest, texts: string[], error?: unknown): CallResponse {
  return {
    stream: true,
    method: req.method,
    service: req.service,
    header: new Headers(),
    trailer: new Headers(),
    message: (async function* () {
      for (const text of texts) yield create(EchoReplySchema, { text });
      if (error !== undefined) throw error;
    })(),
  };
}
