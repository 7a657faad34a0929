// setupTracing() from the standard OTEL_* variables: off unless configured, typed errors that
// name a bad variable, a failing exporter visible in the logs (rate-limited, then recovered),
// and export kept off the request path: calls finish while the collector never answers.
import assert from "node:assert/strict";
import { createClient } from "@connectrpc/connect";
import type { Tracer } from "@opentelemetry/api";
import { ExportResultCode } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace";
import { setupTracing } from "../../otel/mod.ts";
import { withExportHealth } from "../../otel/export_health.ts";
import { tracing } from "../../middleware/tracing/mod.ts";
import { createLogger, flush, type Logger } from "../../log/mod.ts";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { startServers, transports } from "../support/servers.ts";
import { freePort } from "../support/process.ts";

function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return {
    logger: createLogger({ format: "logfmt", sink: (l: string) => void lines.push(l) }),
    lines,
  };
}

const greeter = { sayHello: (req: { name: string }) => ({ message: `hi ${req.name}` }) };

Deno.test("setupTracing: off unless an endpoint or exporter is configured", async () => {
  for (
    const env of [
      {},
      { OTEL_SERVICE_NAME: "x" },
      { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318", OTEL_SDK_DISABLED: "true" },
      { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318", OTEL_TRACES_EXPORTER: "none" },
    ]
  ) {
    const setup = setupTracing({ env, register: false });
    assert.equal(setup.tracerProvider, undefined, JSON.stringify(env));
    assert.equal(setup.endpoint, undefined);
    await setup.shutdown();
  }
  const base = setupTracing({
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318/" },
    register: false,
  });
  assert.equal(base.endpoint, "http://127.0.0.1:4318/v1/traces", "the signal path is appended");
  assert.ok(base.tracerProvider);
  await base.shutdown();
  const specific = setupTracing({
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://127.0.0.1:9999/custom",
    },
    register: false,
  });
  assert.equal(specific.endpoint, "http://127.0.0.1:9999/custom", "taken as it is");
  await specific.shutdown();
});

Deno.test("setupTracing: without env it reads the process environment", async () => {
  const keys = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_TRACES_EXPORTER", "OTEL_SDK_DISABLED"];
  const saved = keys.map((k) => [k, Deno.env.get(k)] as const);
  try {
    for (const k of keys) Deno.env.delete(k);
    const off = setupTracing({ register: false });
    assert.equal(off.endpoint, undefined);
    await off.shutdown();
    Deno.env.set("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9/");
    const on = setupTracing({ register: false, logger: { log() {} } });
    assert.equal(on.endpoint, "http://127.0.0.1:9/v1/traces");
    assert.ok(on.tracerProvider);
    await on.shutdown();
    Deno.env.set("OTEL_TRACES_EXPORTER", "bogus");
    assert.throws(() => setupTracing({ register: false }), /OTEL_TRACES_EXPORTER/);
  } finally {
    for (const [k, v] of saved) v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
  }
});

Deno.test("setupTracing: the SDK records once ready; forceFlush and shutdown wait for it", async () => {
  const posts: string[] = [];
  const collector = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    await req.arrayBuffer();
    posts.push(new URL(req.url).pathname);
    return new Response(new Uint8Array(0), {
      headers: { "content-type": "application/x-protobuf" },
    });
  });
  try {
    const setup = setupTracing({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.addr.port}` },
      register: false,
    });
    const tracer = setup.tracerProvider!.getTracer("t") as Tracer;
    // Nothing is awaited yet: the SDK is still loading, so this span is a no-op one.
    assert.equal(tracer.startSpan("early").isRecording(), false);
    await setup.forceFlush(); // waits for the SDK, then flushes nothing
    const span = tracer.startSpan("after");
    assert.equal(span.isRecording(), true, "the same tracer records once the SDK is in");
    span.end();
    await setup.ready; // already resolved
    await setup.shutdown();
    assert.deepEqual(posts, ["/v1/traces"], "one batch, exported on shutdown");
    assert.equal(setup.health?.exported, 1);
  } finally {
    await collector.shutdown();
  }
});

Deno.test("setupTracing: a bad value is a TypeError naming the variable", () => {
  const url = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" };
  const cases: [Record<string, string>, RegExp][] = [
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: "not a url" }, /^OTEL_EXPORTER_OTLP_ENDPOINT: .* not a URL/],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "ftp://x/" }, /TRACES_ENDPOINT: .* not an http/],
    [{ ...url, OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }, /OTEL_EXPORTER_OTLP_PROTOCOL: "grpc"/],
    [{ OTEL_TRACES_EXPORTER: "zipkin" }, /OTEL_TRACES_EXPORTER: unsupported exporter "zipkin"/],
    [{ ...url, OTEL_TRACES_SAMPLER: "sometimes" }, /OTEL_TRACES_SAMPLER: unsupported/],
    [
      { ...url, OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "2" },
      /OTEL_TRACES_SAMPLER_ARG: "2" is not in \[0, 1\]/,
    ],
    [{ ...url, OTEL_BSP_SCHEDULE_DELAY: "-1" }, /OTEL_BSP_SCHEDULE_DELAY: "-1"/],
    [{ ...url, OTEL_EXPORTER_OTLP_HEADERS: "novalue" }, /OTEL_EXPORTER_OTLP_HEADERS: "novalue"/],
    [{ ...url, OTEL_RESOURCE_ATTRIBUTES: "a=%zz" }, /OTEL_RESOURCE_ATTRIBUTES: .* percent/],
  ];
  for (const [env, message] of cases) {
    assert.throws(() => setupTracing({ env, register: false }), (e: unknown) => {
      assert.ok(e instanceof TypeError, String(e));
      assert.match(e.message, message);
      return true;
    });
  }
});

Deno.test("setupTracing: a collector that is down shows in the logs once per interval, with the loss", async () => {
  const { logger, lines } = captureLogger();
  const port = freePort(); // nothing listens there
  const setup = setupTracing({
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_EXPORTER_OTLP_TIMEOUT: "2000",
      OTEL_SERVICE_NAME: "svc",
    },
    logger,
    register: false,
  });
  await setup.ready;
  const servers = await startServers([[Greeter, greeter]], [
    tracing.server({ tracerProvider: setup.tracerProvider }),
  ]);
  try {
    const client = createClient(Greeter, transports(servers).connect);
    for (let round = 0; round < 3; round++) {
      assert.equal((await client.sayHello({ name: `r${round}` })).message, `hi r${round}`);
      await setup.forceFlush();
    }
    assert.equal(setup.health?.failed, 3, "three batches failed");
    assert.equal(setup.health?.droppedSpans, 3);
    await flush(logger);
    const warns = lines.filter((l) => l.includes("trace export failed"));
    assert.equal(warns.length, 1, `one line per interval:\n${lines.join("\n")}`);
    assert.match(warns[0], /^level=WARN /);
    assert.match(warns[0], new RegExp(`endpoint=http://127.0.0.1:${port}/v1/traces`));
    assert.match(warns[0], /dropped_spans=1/);
    assert.match(warns[0], /error=/);
  } finally {
    await servers.close();
    await setup.shutdown();
  }
});

Deno.test("export health: failures folded into one line per interval, then a recovery line", async () => {
  const { logger, lines } = captureLogger();
  let fail = true;
  const inner: SpanExporter = {
    export: (_spans, done) =>
      done(
        fail
          ? { code: ExportResultCode.FAILED, error: new Error("connect ECONNREFUSED") }
          : { code: ExportResultCode.SUCCESS },
      ),
    shutdown: () => Promise.resolve(),
  };
  let t = 0;
  const exporter = withExportHealth(inner, {
    logger,
    endpoint: "http://collector/v1/traces",
    warnIntervalMs: 1_000,
    now: () => t,
  });
  const batch = (n: number) => new Array(n).fill({}) as ReadableSpan[];
  const results: number[] = [];
  const send = (n: number) => exporter.export(batch(n), (r) => results.push(r.code));
  send(2); // logged at once
  t = 500;
  send(3); // within the interval: folded
  send(4);
  t = 1_600;
  send(5); // the next line carries what was folded and this one
  assert.deepEqual(results, new Array(4).fill(ExportResultCode.FAILED), "results pass through");
  await flush(logger);
  const warns = lines.filter((l) => l.includes("trace export failed"));
  assert.equal(warns.length, 2, lines.join("\n"));
  assert.match(warns[0], /batches=1 dropped_spans=2/);
  assert.match(warns[1], /batches=3 dropped_spans=12/);
  assert.match(warns[1], /error="connect ECONNREFUSED"/);
  fail = false;
  send(1);
  send(1);
  await flush(logger);
  const recovered = lines.filter((l) => l.includes("trace export recovered"));
  assert.equal(recovered.length, 1, "one recovery line");
  assert.match(recovered[0], /^level=INFO .*failed_batches=4 dropped_spans=14/);
  assert.deepEqual(exporter.health, {
    exported: 2,
    failed: 4,
    droppedSpans: 14,
    lastError: undefined,
  });
});

Deno.test("setupTracing: calls finish while the collector never answers (export is off the request path)", async () => {
  // A collector that accepts connections and never replies.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  let connected!: () => void;
  const firstConnection = new Promise<void>((resolve) => connected = resolve);
  const accepting = (async () => {
    for await (const conn of listener) {
      held.push(conn);
      connected();
    }
  })();
  const { logger, lines } = captureLogger();
  const setup = setupTracing({
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${listener.addr.port}`,
      OTEL_BSP_SCHEDULE_DELAY: "1",
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "1",
      OTEL_EXPORTER_OTLP_TIMEOUT: "1000",
      OTEL_BSP_EXPORT_TIMEOUT: "1000",
    },
    logger,
    register: false,
  });
  await setup.ready;
  const servers = await startServers([[Greeter, greeter]], [
    tracing.server({ tracerProvider: setup.tracerProvider }),
  ]);
  try {
    const client = createClient(Greeter, transports(servers).grpc);
    const first = await client.sayHello({ name: "first" });
    assert.equal(first.message, "hi first");
    await bounded(firstConnection, "the exporter to connect");
    // The exporter is now stuck on a collector that does not answer; calls go on regardless.
    const replies = await bounded(
      Promise.all(Array.from({ length: 50 }, (_, i) => client.sayHello({ name: `${i}` }))),
      "50 calls while the export hangs",
    );
    assert.equal(replies.length, 50);
    assert.equal(setup.health?.exported, 0, "nothing was exported meanwhile");
  } finally {
    await servers.close();
    await setup.shutdown();
    listener.close();
    await accepting.catch(() => {});
    for (const conn of held) conn.close();
  }
  assert.ok((setup.health?.failed ?? 0) >= 1, "the hung export timed out and was counted");
  await flush(logger);
  assert.ok(lines.some((l) => l.includes("trace export failed")), lines.join("\n"));
});

async function bounded<T>(promise: Promise<T>, what: string, ms = 20_000): Promise<T> {
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
