// Tracing middleware on real servers with a real OpenTelemetry SDK recording into memory: one
// trace across A → B on every protocol, parent/child ids, status codes, streams, log ids; the
// no-SDK pass-through; W3C header parsing.
import assert from "node:assert/strict";
import { Code, ConnectError, createClient, type HandlerContext } from "@connectrpc/connect";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import {
  type Context,
  context as otelContext,
  type ContextManager,
  propagation,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { logging } from "../../middleware/mod.ts";
import { tracing } from "../../middleware/tracing/mod.ts";
import {
  formatTraceparent,
  parseTraceparent,
  W3CTraceState,
} from "../../middleware/tracing/propagation.ts";
import { createLogger, spanId, traceId, with as withKeyvals } from "../../log/mod.ts";
import { internal, notFound } from "../../errors/mod.ts";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { startServers, transports } from "../support/servers.ts";

type Protocol = "connect" | "grpc-web" | "grpc";
const protocols: Protocol[] = ["connect", "grpc-web", "grpc"];
const system: Record<Protocol, string> = {
  connect: "connectrpc",
  "grpc-web": "grpc",
  grpc: "grpc",
};

function sdk() {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  return { exporter, provider };
}

function captureLogger() {
  const lines: string[] = [];
  const base = createLogger({ format: "logfmt", sink: (line: string) => void lines.push(line) });
  return { logger: withKeyvals(base, "trace_id", traceId(), "span_id", spanId()), lines };
}

function byKindAndName(spans: readonly ReadableSpan[], kind: SpanKind, name: string) {
  const found = spans.filter((s) => s.kind === kind && s.name === name);
  assert.equal(found.length, 1, `one ${SpanKind[kind]} span ${name}: ${spans.map((s) => s.name)}`);
  return found[0];
}

const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

// `rpc.status_code` as the conventions spell it: gRPC's names, Connect's error codes.
const grpcNames: Partial<Record<Code, string>> = {
  [Code.Canceled]: "CANCELLED",
  [Code.NotFound]: "NOT_FOUND",
  [Code.Internal]: "INTERNAL",
};
const connectNames: Partial<Record<Code, string>> = {
  [Code.Canceled]: "canceled",
  [Code.NotFound]: "not_found",
  [Code.Internal]: "internal",
};
function statusName(protocol: Protocol, code: Code): string | undefined {
  return protocol === "connect" ? connectNames[code] : grpcNames[code];
}

// B answers; A's sayHello calls B over the same protocol it was called with.
async function twoHops(provider: TracerProvider, logger: ReturnType<typeof captureLogger>) {
  const opts = { tracerProvider: provider };
  const b = await startServers([[Greeter, {
    sayHello(req: { name: string }) {
      if (req.name === "missing") throw notFound("USER_NOT_FOUND", "no such user");
      if (req.name === "broken") throw internal("DB_DOWN", "database down");
      return { message: `b:${req.name}` };
    },
    async *sayHelloStream(req: { count: number }) {
      for (let i = 0; i < req.count; i++) yield { message: `b${i}` };
      if (req.count === 2) throw notFound("STREAM_GONE", "gone mid-stream");
    },
  }]], [tracing.server(opts), logging.server(logger.logger)]);
  const toB = transports(b, [tracing.client(opts)]);
  const a = await startServers([[Greeter, {
    async sayHello(req: { name: string }, ctx: HandlerContext) {
      const protocol = ctx.requestHeader.get("x-hop-protocol") as Protocol;
      const reply = await createClient(Greeter, toB[protocol]).sayHello({ name: req.name });
      return { message: `a:${reply.message}` };
    },
  }]], [tracing.server(opts), logging.server(logger.logger)]);
  return { a, b };
}

Deno.test("tracing: one trace across A → B on Connect, gRPC-Web and gRPC, with log ids", async () => {
  const { exporter, provider } = sdk();
  const logs = captureLogger();
  const { a, b } = await twoHops(provider, logs);
  try {
    const toA = transports(a, [tracing.client({ tracerProvider: provider })]);
    for (const protocol of protocols) {
      exporter.reset();
      logs.lines.length = 0;
      const client = createClient(Greeter, toA[protocol]);
      const reply = await client.sayHello({ name: "ann" }, {
        headers: { "x-hop-protocol": protocol },
      });
      assert.equal(reply.message, "a:b:ann");
      const spans = exporter.getFinishedSpans();
      assert.equal(spans.length, 4, protocol);
      const op = "helloworld.v1.Greeter/SayHello";
      const spanIds = new Set(spans.map((s) => s.spanContext().spanId));
      assert.equal(spanIds.size, 4, "four distinct spans");
      const clientSpans = spans.filter((s) => s.kind === SpanKind.CLIENT && s.name === op);
      const serverSpans = spans.filter((s) => s.kind === SpanKind.SERVER && s.name === op);
      assert.equal(clientSpans.length, 2);
      assert.equal(serverSpans.length, 2);
      const root = clientSpans.find((s) => parentOf(s) === undefined)!;
      const aServer = serverSpans.find((s) => parentOf(s) === root.spanContext().spanId)!;
      const aClient = clientSpans.find((s) => parentOf(s) === aServer.spanContext().spanId)!;
      const bServer = serverSpans.find((s) => parentOf(s) === aClient.spanContext().spanId)!;
      assert.ok(root && aServer && aClient && bServer, `parent chain on ${protocol}`);
      const traceIds = new Set(spans.map((s) => s.spanContext().traceId));
      assert.equal(traceIds.size, 1, "one trace id across hops");
      assert.equal(aServer.parentSpanContext?.isRemote, true);
      for (const s of spans) {
        assert.equal(s.attributes["rpc.system.name"], system[protocol], `${protocol} ${s.name}`);
        assert.equal(s.attributes["rpc.method"], "helloworld.v1.Greeter/SayHello");
        assert.equal(s.attributes["rpc.service"], undefined, "gone from the conventions");
        assert.equal(typeof s.attributes["server.address"], "string");
        assert.equal(s.status.code, SpanStatusCode.UNSET);
        assert.equal(s.attributes["error.type"], undefined);
        // A Connect response has no code on success; gRPC always has a status.
        assert.equal(s.attributes["rpc.status_code"], protocol === "connect" ? undefined : "OK");
      }
      const bEndpoint = protocol === "grpc" ? b.grpc : b.http;
      assert.equal(bServer.attributes["server.port"], Number(new URL(bEndpoint).port));
      const [trace] = traceIds;
      const serverLines = logs.lines.filter((l) => l.includes("kind=server"));
      assert.equal(serverLines.length, 2, logs.lines.join("\n"));
      for (const line of serverLines) assert.match(line, new RegExp(`trace_id=${trace}`));
      const aLine = serverLines.find((l) => l.includes(`span_id=${aServer.spanContext().spanId}`));
      const bLine = serverLines.find((l) => l.includes(`span_id=${bServer.spanContext().spanId}`));
      assert.ok(aLine && bLine, `each server logs its own span id:\n${serverLines.join("\n")}`);
    }
  } finally {
    await a.close();
    await b.close();
  }
});

Deno.test("tracing: errors set status codes; only server faults mark a server span ERROR", async () => {
  const { exporter, provider } = sdk();
  const logs = captureLogger();
  const { a, b } = await twoHops(provider, logs);
  try {
    for (const protocol of protocols) {
      const client = createClient(
        Greeter,
        transports(b, [tracing.client({ tracerProvider: provider })])[protocol],
      );
      for (const [name, code] of [["missing", Code.NotFound], ["broken", Code.Internal]] as const) {
        exporter.reset();
        const err = await client.sayHello({ name }).then(() => undefined, (e) => e);
        assert.equal(ConnectError.from(err).code, code, `${protocol} ${name}`);
        const spans = exporter.getFinishedSpans();
        const op = "helloworld.v1.Greeter/SayHello";
        const server = byKindAndName(spans, SpanKind.SERVER, op);
        const clientSpan = byKindAndName(spans, SpanKind.CLIENT, op);
        for (const s of [server, clientSpan]) {
          assert.equal(s.attributes["rpc.status_code"], statusName(protocol, code));
          assert.equal(s.events.filter((e) => e.name === "exception").length, 1, "recorded");
        }
        assert.equal(
          server.attributes["error.type"],
          name === "missing" ? undefined : statusName(protocol, code),
          "error.type only for server faults",
        );
        assert.equal(clientSpan.attributes["error.type"], statusName(protocol, code));
        assert.equal(
          server.status.code,
          code === Code.Internal ? SpanStatusCode.ERROR : SpanStatusCode.UNSET,
          `${protocol} ${name}: a NotFound is the caller's problem, not the server's`,
        );
        assert.equal(
          clientSpan.status.code,
          SpanStatusCode.ERROR,
          "any failure fails a client span",
        );
      }
    }
  } finally {
    await a.close();
    await b.close();
  }
});

Deno.test("tracing: stream spans end when the stream ends, with its status", async () => {
  const { exporter, provider } = sdk();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => release = resolve);
  const servers = await startServers([[Greeter, {
    async *sayHelloStream(req: { name: string }) {
      yield { message: "first" };
      if (req.name === "gated") await gate;
      yield { message: "second" };
      if (req.name === "fail") throw notFound("STREAM_GONE", "gone mid-stream");
    },
  }]], [tracing.server({ tracerProvider: provider })]);
  const op = "helloworld.v1.Greeter/SayHelloStream";
  try {
    const client = createClient(
      Greeter,
      transports(servers, [tracing.client({ tracerProvider: provider })]).grpc,
    );
    const it = client.sayHelloStream({ name: "gated" })[Symbol.asyncIterator]();
    assert.equal((await it.next()).value?.message, "first");
    assert.equal(exporter.getFinishedSpans().length, 0, "no span ends while the stream is open");
    release();
    assert.equal((await it.next()).value?.message, "second");
    assert.equal((await it.next()).done, true);
    const spans = exporter.getFinishedSpans();
    assert.equal(byKindAndName(spans, SpanKind.SERVER, op).attributes["rpc.status_code"], "OK");
    assert.equal(byKindAndName(spans, SpanKind.CLIENT, op).attributes["rpc.status_code"], "OK");

    for (const protocol of protocols) {
      exporter.reset();
      const c = createClient(
        Greeter,
        transports(servers, [tracing.client({ tracerProvider: provider })])[protocol],
      );
      const got: string[] = [];
      const err = await (async () => {
        for await (const r of c.sayHelloStream({ name: "fail" })) got.push(r.message);
      })().then(() => undefined, (e) => e);
      assert.deepEqual(got, ["first", "second"]);
      assert.equal(ConnectError.from(err).code, Code.NotFound);
      const server = byKindAndName(exporter.getFinishedSpans(), SpanKind.SERVER, op);
      const clientSpan = byKindAndName(exporter.getFinishedSpans(), SpanKind.CLIENT, op);
      assert.equal(server.attributes["rpc.status_code"], statusName(protocol, Code.NotFound));
      assert.equal(server.attributes["error.type"], undefined);
      assert.equal(clientSpan.attributes["error.type"], statusName(protocol, Code.NotFound));
      assert.equal(clientSpan.status.code, SpanStatusCode.ERROR);
      assert.equal(server.spanContext().traceId, clientSpan.spanContext().traceId);
      assert.equal(parentOf(server), clientSpan.spanContext().spanId);
    }
  } finally {
    await servers.close();
  }
});

Deno.test("tracing: a stream cancelled mid-way ends both spans as Canceled", async () => {
  const { exporter, provider } = sdk();
  let serverDone = () => {};
  const servers = await startServers([[Greeter, {
    async *sayHelloStream(_: unknown, ctx: HandlerContext) {
      try {
        yield { message: "first" };
        await new Promise((_, reject) => ctx.signal.addEventListener("abort", reject));
      } finally {
        serverDone();
      }
    },
  }]], [tracing.server({ tracerProvider: provider })]);
  const op = "helloworld.v1.Greeter/SayHelloStream";
  try {
    for (const protocol of protocols) {
      exporter.reset();
      const serverStopped = new Promise<void>((resolve) => serverDone = resolve);
      const client = createClient(
        Greeter,
        transports(servers, [tracing.client({ tracerProvider: provider })])[protocol],
      );
      const abort = new AbortController();
      const it = client.sayHelloStream({ name: "x" }, { signal: abort.signal })[
        Symbol.asyncIterator
      ]();
      assert.equal((await it.next()).value?.message, "first");
      abort.abort();
      const clientSpan = byKindAndName(exporter.getFinishedSpans(), SpanKind.CLIENT, op);
      await bounded(serverStopped, "the server stream to stop");
      const server = byKindAndName(exporter.getFinishedSpans(), SpanKind.SERVER, op);
      for (const s of [clientSpan, server]) {
        assert.equal(s.attributes["rpc.status_code"], statusName(protocol, Code.Canceled), s.name);
      }
      assert.equal(server.status.code, SpanStatusCode.UNSET, "a cancel is not a server fault");
    }
  } finally {
    await servers.close();
  }
});

Deno.test("tracing: REST calls get an http span with the route template", async () => {
  const { exporter, provider } = sdk();
  const servers = await startServers([[Greeter, {
    sayHello(req: { name: string }) {
      if (req.name === "nobody") throw notFound("USER_NOT_FOUND", "no such user");
      return { message: `hi ${req.name}` };
    },
  }]], [tracing.server({ tracerProvider: provider })]);
  try {
    const ok = await fetch(`${servers.http}/helloworld/ann`);
    assert.deepEqual(await ok.json(), { message: "hi ann" });
    const missing = await fetch(`${servers.http}/helloworld/nobody`);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
    const [first, second] = exporter.getFinishedSpans();
    assert.equal(first.name, "GET /helloworld/{name}", "HTTP conventions: method and route");
    assert.equal(first.kind, SpanKind.SERVER);
    assert.equal(first.attributes["rpc.system.name"], undefined);
    assert.equal(first.attributes["rpc.method"], "helloworld.v1.Greeter/SayHello");
    assert.equal(first.attributes["url.scheme"], "http");
    assert.equal(first.attributes["url.path"], "/helloworld/ann");
    assert.equal(first.attributes["http.request.method"], "GET");
    assert.equal(first.attributes["http.route"], "/helloworld/{name}");
    assert.equal(first.attributes["http.response.status_code"], 200);
    assert.equal(second.attributes["http.response.status_code"], 404);
    assert.equal(second.status.code, SpanStatusCode.UNSET);
    assert.equal(second.attributes["error.type"], undefined, "a 404 is no server fault");
  } finally {
    await servers.close();
  }
});

async function bounded<T>(promise: Promise<T>, what: string, ms = 5_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// Without an SDK the middleware runs on the API's no-op tracer (nothing is registered here).
Deno.test("tracing without an SDK: an incoming traceparent is logged and passed on unchanged", async () => {
  const logs = captureLogger();
  const seenByB: (string | null)[] = [];
  const b = await startServers([[Greeter, {
    sayHello(_: unknown, ctx: HandlerContext) {
      seenByB.push(ctx.requestHeader.get("traceparent"));
      return { message: "b" };
    },
  }]]);
  const a = await startServers([[Greeter, {
    async sayHello() {
      await createClient(Greeter, transports(b, [tracing.client()]).connect).sayHello({});
      return { message: "a" };
    },
  }]], [tracing.server(), logging.server(logs.logger)]);
  try {
    const client = createClient(Greeter, transports(a).connect);
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    await client.sayHello({}, { headers: { traceparent, tracestate: "vendor=v1,other=x" } });
    assert.deepEqual(seenByB, [traceparent], "the ids travel on as they came");
    assert.match(logs.lines[0], /trace_id=4bf92f3577b34da6a3ce929d0e0e4736 /);
    assert.match(logs.lines[0], /span_id=00f067aa0ba902b7 /);

    logs.lines.length = 0;
    await client.sayHello({});
    assert.deepEqual(seenByB.slice(1), [null], "no ids are invented");
    assert.match(logs.lines[0], /trace_id="" span_id=""/);

    logs.lines.length = 0;
    await client.sayHello({}, { headers: { traceparent: "00-zz-bad-01" } });
    assert.deepEqual(seenByB.slice(2), [null], "an invalid traceparent is dropped");
  } finally {
    await a.close();
    await b.close();
  }
});

Deno.test("tracing: a registered global propagator or an explicit one carries other formats", async () => {
  const { exporter, provider } = sdk();
  // A propagator of a made-up single-header format: "x-trace: <trace>:<span>".
  const custom = {
    fields: () => ["x-trace"],
    inject(ctx: unknown, carrier: unknown, setter: unknown) {
      const sc = spanOf(ctx);
      if (sc === undefined) return;
      (setter as { set(c: unknown, k: string, v: string): void }).set(
        carrier,
        "x-trace",
        `${sc.traceId}:${sc.spanId}`,
      );
    },
    extract(ctx: unknown, carrier: unknown, getter: unknown) {
      const raw = (getter as { get(c: unknown, k: string): string | undefined }).get(
        carrier,
        "x-trace",
      );
      if (raw === undefined) return ctx;
      const [traceId, spanId] = raw.split(":");
      return parseContext(ctx, traceId, spanId);
    },
  };
  const headersSeen: Headers[] = [];
  const servers = await startServers([[Greeter, {
    sayHello(_: unknown, ctx: HandlerContext) {
      headersSeen.push(ctx.requestHeader);
      return { message: "ok" };
    },
  }]], [tracing.server({ tracerProvider: provider, propagator: custom })]);
  try {
    const explicit = createClient(
      Greeter,
      transports(servers, [tracing.client({ tracerProvider: provider, propagator: custom })])
        .connect,
    );
    await explicit.sayHello({});
    assert.match(headersSeen[0].get("x-trace") ?? "", /^[0-9a-f]{32}:[0-9a-f]{16}$/);
    assert.equal(headersSeen[0].get("traceparent"), null);
    const [server, client] = [
      byKindAndName(
        exporter.getFinishedSpans(),
        SpanKind.SERVER,
        "helloworld.v1.Greeter/SayHello",
      ),
      byKindAndName(
        exporter.getFinishedSpans(),
        SpanKind.CLIENT,
        "helloworld.v1.Greeter/SayHello",
      ),
    ];
    assert.equal(parentOf(server), client.spanContext().spanId);

    assert.ok(propagation.setGlobalPropagator(custom as never));
    try {
      exporter.reset();
      const global = createClient(
        Greeter,
        transports(servers, [tracing.client({ tracerProvider: provider })]).connect,
      );
      await global.sayHello({});
      assert.match(headersSeen[1].get("x-trace") ?? "", /^[0-9a-f]{32}:[0-9a-f]{16}$/);
      assert.equal(headersSeen[1].get("traceparent"), null, "the global propagator took over");
    } finally {
      propagation.disable();
    }
  } finally {
    await servers.close();
  }
});

// The test propagator works on the OpenTelemetry context through the API, as SDK ones do.
function spanOf(ctx: unknown) {
  return trace.getSpan(ctx as Context)?.spanContext();
}
function parseContext(ctx: unknown, traceId: string, spanId: string) {
  return trace.setSpanContext(ctx as Context, { traceId, spanId, traceFlags: 1, isRemote: true });
}

Deno.test("tracing: a proxy provider starts recording once an SDK is set behind it", async () => {
  // Calls without a trace context skip the no-op tracer while the proxy has no delegate; the
  // SDK set later must still see every call from then on.
  const proxy = new ProxyTracerProvider();
  const { exporter, provider } = sdk();
  const logs = captureLogger();
  const a = await startServers([[Greeter, { sayHello: () => ({ message: "a" }) }]], [
    tracing.server({ tracerProvider: proxy }),
    logging.server(logs.logger),
  ]);
  try {
    const client = createClient(Greeter, transports(a).connect);
    await client.sayHello({});
    assert.equal(exporter.getFinishedSpans().length, 0);
    assert.match(logs.lines[0], /trace_id="" span_id=""/);

    proxy.setDelegate(provider);
    logs.lines.length = 0;
    await client.sayHello({});
    const [span] = exporter.getFinishedSpans();
    assert.equal(span?.name, "helloworld.v1.Greeter/SayHello");
    assert.equal(span.kind, SpanKind.SERVER);
    const ids = span.spanContext();
    assert.match(logs.lines[0], new RegExp(`trace_id=${ids.traceId} span_id=${ids.spanId} `));
  } finally {
    await a.close();
    await provider.shutdown();
  }
});

// A context manager for code that runs synchronously inside `with` (enough for a handler that
// answers at once): a stack of contexts.
function stackContextManager(): ContextManager {
  const stack: Context[] = [];
  const manager: ContextManager = {
    active: () => stack.at(-1) ?? ROOT_CONTEXT,
    with(ctx, fn, thisArg, ...args) {
      stack.push(ctx);
      try {
        return fn.call(thisArg, ...args);
      } finally {
        stack.pop();
      }
    },
    bind: (_ctx, target) => target,
    enable: () => manager,
    disable: () => manager,
  };
  return manager;
}

Deno.test("tracing: the server span is the active OpenTelemetry span where a context manager is registered", async () => {
  const { exporter, provider } = sdk();
  const seen: (string | undefined)[] = [];
  const a = await startServers([[Greeter, {
    sayHello() {
      seen.push(trace.getActiveSpan()?.spanContext().spanId);
      return { message: "a" };
    },
  }]], [tracing.server({ tracerProvider: provider })]);
  try {
    const client = createClient(Greeter, transports(a).connect);
    assert.ok(otelContext.setGlobalContextManager(stackContextManager()));
    try {
      await client.sayHello({});
    } finally {
      otelContext.disable();
    }
    await client.sayHello({});
    const spans = exporter.getFinishedSpans();
    assert.equal(spans.length, 2);
    assert.deepEqual(seen, [spans[0].spanContext().spanId, undefined]);
  } finally {
    await a.close();
    await provider.shutdown();
  }
});

Deno.test("tracing: bad options are TypeErrors at construction", () => {
  assert.throws(() => tracing.server({ propagator: {} as never }), /inject, extract and fields/);
  assert.throws(
    () => tracing.client({ tracerProvider: { getTracer: () => ({}) } }),
    /did not return a tracer/,
  );
});

Deno.test("W3C traceparent: valid forms parse, invalid ones are rejected", () => {
  const id = "4bf92f3577b34da6a3ce929d0e0e4736";
  const span = "00f067aa0ba902b7";
  const ok = parseTraceparent(`00-${id}-${span}-01`);
  assert.deepEqual(ok, { traceId: id, spanId: span, traceFlags: 1, isRemote: true });
  assert.equal(formatTraceparent(ok!), `00-${id}-${span}-01`);
  assert.equal(parseTraceparent(`00-${id}-${span}-00`)?.traceFlags, 0);
  assert.equal(parseTraceparent(`cc-${id}-${span}-01-future-field`)?.traceId, id, "later version");
  for (
    const bad of [
      `00-${id}-${span}-01-extra`, // version 00 has exactly four fields
      `ff-${id}-${span}-01`, // version ff is invalid
      `00-${id.toUpperCase()}-${span}-01`, // upper-case hex
      `00-${"0".repeat(32)}-${span}-01`, // all-zero trace id
      `00-${id}-${"0".repeat(16)}-01`, // all-zero span id
      `00-${id.slice(1)}-${span}-01`, // short trace id
      `00-${id}-${span}`, // no flags
      `00-${id}-${span}-01, 00-${id}-${span}-01`, // two headers joined
      "",
    ]
  ) assert.equal(parseTraceparent(bad), undefined, bad);
  assert.equal(parseTraceparent(null), undefined);
});

Deno.test("W3C tracestate: parse, update, serialize; duplicates and overflow are dropped", () => {
  const id = "4bf92f3577b34da6a3ce929d0e0e4736";
  const sc = parseTraceparent(
    `00-${id}-00f067aa0ba902b7-01`,
    "congo=t61rcWkgMzE, rojo=00f067aa0ba902b7",
  );
  assert.equal(sc?.traceState?.serialize(), "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
  const state = W3CTraceState.parse("a=1,tenant@vendor=x, bad key=2,B=3,c=")!;
  assert.equal(state.serialize(), "a=1,tenant@vendor=x", "invalid members dropped");
  assert.equal(state.get("tenant@vendor"), "x");
  assert.equal(state.set("c", "9").serialize(), "c=9,a=1,tenant@vendor=x");
  assert.equal(state.set("a", "2").serialize(), "a=2,tenant@vendor=x", "updated key moves first");
  assert.equal(state.set("Bad", "1"), state, "an invalid key is ignored");
  assert.equal(state.unset("a").serialize(), "tenant@vendor=x");
  assert.equal(W3CTraceState.parse("a=1,a=2"), undefined, "duplicate keys");
  const many = Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(",");
  assert.equal(W3CTraceState.parse(many), undefined, "more than 32 members");
  assert.equal(W3CTraceState.parse(""), undefined);
});
