// Metrics middleware on real servers: counts and bucket values in the in-process registry
// (with a fake clock, so bucket placement is exact), the Prometheus text format checked line by
// line against the format's grammar, the /metrics handler, and an OpenTelemetry SDK meter.
import assert from "node:assert/strict";
import { Code, ConnectError, createClient, type HandlerContext } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { Hono } from "hono";
import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  MetricReader,
} from "@opentelemetry/sdk-metrics";
import { createMetricsRegistry, metrics, metricsHandler } from "../../middleware/mod.ts";
import { notFound } from "../../errors/mod.ts";
import { createHttpServer } from "../../transport/mod.ts";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { startServers, transports } from "../support/servers.ts";

// Handlers advance this clock; the middleware reads it, so every duration is exact.
function fakeClock() {
  const clock = { t: 0, now: () => clock.t };
  return clock;
}

function greeter(clock: { t: number }) {
  return {
    sayHello(req: { name: string }) {
      clock.t += 30;
      if (req.name === "ghost") throw notFound("USER_NOT_FOUND", "no such user");
      return { message: `hi ${req.name}` };
    },
    async *sayHelloStream(req: { count: number }) {
      for (let i = 0; i < req.count; i++) {
        clock.t += 100;
        yield { message: `m${i}` };
      }
    },
  };
}

/** Samples of one metric, parsed from the exposition: labels (as a record) and value. */
function samples(text: string, name: string) {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[k] = v;
    }
    out.push({ labels, value: Number(m[3]) });
  }
  return out;
}

function pick(
  rows: ReturnType<typeof samples>,
  want: Record<string, string>,
): ReturnType<typeof samples> {
  return rows.filter((r) => Object.entries(want).every(([k, v]) => r.labels[k] === v));
}

// The text format's grammar (Prometheus "Exposition formats", text format 0.0.4).
const metricNameRe = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const labelRe = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
const valueRe = "(?:NaN|[+-]Inf|[+-]?(?:[0-9]+\\.?[0-9]*|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?)";
const sampleLine = new RegExp(
  `^${metricNameRe}(?:\\{(?:${labelRe}(?:,${labelRe})*,?)?\\})? ${valueRe}(?: -?[0-9]+)?$`,
);
const helpLine = new RegExp(`^# HELP ${metricNameRe} (?:[^\\\\\\n]|\\\\[\\\\n])*$`);
const typeLine = new RegExp(`^# TYPE ${metricNameRe} (?:counter|gauge|histogram|summary|untyped)$`);

/** Checks every line against the grammar and every histogram against its invariants. */
function assertValidExposition(text: string) {
  assert.ok(text.endsWith("\n"), "the exposition ends with a newline");
  const typed = new Map<string, string>();
  for (const line of text.slice(0, -1).split("\n")) {
    if (line.startsWith("# HELP ")) assert.match(line, helpLine);
    else if (line.startsWith("# TYPE ")) {
      assert.match(line, typeLine);
      const [, , name, type] = line.split(" ");
      assert.ok(!typed.has(name), `one TYPE line per metric: ${name}`);
      typed.set(name, type);
    } else assert.match(line, sampleLine);
  }
  for (const [name, type] of typed) {
    if (type !== "histogram") continue;
    const buckets = samples(text, `${name}_bucket`);
    const counts = samples(text, `${name}_count`);
    for (const count of counts) {
      const { le: _, ...series } = count.labels;
      const own = pick(buckets, series).filter((b) =>
        Object.keys(b.labels).length === Object.keys(series).length + 1
      );
      const les = own.map((b) => b.labels.le);
      assert.equal(les.at(-1), "+Inf", `${name}: the last bucket is +Inf`);
      const bounds = les.slice(0, -1).map(Number);
      assert.deepEqual(bounds, [...bounds].sort((a, b) => a - b), "le ascending");
      for (let i = 1; i < own.length; i++) {
        assert.ok(own[i].value >= own[i - 1].value, `${name}: buckets are cumulative`);
      }
      assert.equal(own.at(-1)!.value, count.value, `${name}: +Inf bucket equals _count`);
    }
  }
}

Deno.test("metrics: counts and buckets per protocol, method and status after real calls", async () => {
  const clock = fakeClock();
  const serverRegistry = createMetricsRegistry();
  const clientRegistry = createMetricsRegistry();
  const servers = await startServers([[Greeter, greeter(clock)]], [
    metrics.server({ meter: serverRegistry, now: clock.now }),
  ]);
  try {
    const all = transports(servers, [metrics.client({ meter: clientRegistry, now: clock.now })]);
    for (const transport of Object.values(all)) {
      const client = createClient(Greeter, transport);
      await client.sayHello({ name: "a" });
      await client.sayHello({ name: "b" });
      const err = await client.sayHello({ name: "ghost" }).then(() => undefined, (e) => e);
      assert.equal(ConnectError.from(err).code, Code.NotFound);
      const got: string[] = [];
      for await (const r of client.sayHelloStream({ count: 3 })) got.push(r.message);
      assert.equal(got.length, 3);
    }
    for (const [registry, side] of [[serverRegistry, "server"], [clientRegistry, "client"]]) {
      const text = (registry as typeof serverRegistry).exposition();
      assertValidExposition(text);
      const requests = samples(text, `rpc_${side}_requests_total`);
      const durations = `rpc_${side}_duration_milliseconds`;
      for (const system of ["grpc", "connect_rpc"]) {
        const calls = system === "grpc" ? 2 : 1; // gRPC-Web reports as grpc
        const hello = { rpc_system: system, rpc_method: "SayHello" };
        const ok = pick(requests, { ...hello, rpc_grpc_status_code: "0" });
        assert.equal(ok.length, 1, `${side} ${system}: one series`);
        assert.equal(ok[0].value, 2 * calls, `${side} ${system} ok count`);
        assert.equal(ok[0].labels.rpc_service, "helloworld.v1.Greeter");
        const notFoundRows = pick(requests, { ...hello, rpc_grpc_status_code: "5" });
        assert.equal(notFoundRows[0].value, calls, `${side} ${system} NotFound count`);
        // Each unary call took exactly 30 ms: all in the (25, 50] bucket.
        const okBuckets = pick(samples(text, `${durations}_bucket`), {
          ...hello,
          rpc_grpc_status_code: "0",
        });
        const le = (bound: string) => okBuckets.find((b) => b.labels.le === bound)!.value;
        assert.equal(le("25"), 0, `${side} ${system}: nothing at or under 25 ms`);
        assert.equal(le("50"), 2 * calls);
        assert.equal(le("+Inf"), 2 * calls);
        const sum = pick(samples(text, `${durations}_sum`), {
          ...hello,
          rpc_grpc_status_code: "0",
        });
        assert.equal(sum[0].value, 60 * calls);
        // The stream's three messages took 100 ms each: measured to the end, 300 ms.
        const stream = {
          rpc_system: system,
          rpc_method: "SayHelloStream",
          rpc_grpc_status_code: "0",
        };
        const streamBuckets = pick(samples(text, `${durations}_bucket`), stream);
        assert.equal(streamBuckets.find((b) => b.labels.le === "250")!.value, 0);
        assert.equal(streamBuckets.find((b) => b.labels.le === "500")!.value, calls);
        assert.equal(pick(samples(text, `${durations}_sum`), stream)[0].value, 300 * calls);
      }
    }
  } finally {
    await servers.close();
  }
});

Deno.test("metrics: REST calls are labelled by HTTP status; a cancelled stream counts as Canceled", async () => {
  const registry = createMetricsRegistry();
  let serverDone = () => {};
  const servers = await startServers([[Greeter, {
    sayHello(req: { name: string }) {
      if (req.name === "ghost") throw notFound("USER_NOT_FOUND", "no such user");
      return { message: "hi" };
    },
    async *sayHelloStream(_: unknown, ctx: HandlerContext) {
      try {
        yield { message: "first" };
        await new Promise((_, reject) => ctx.signal.addEventListener("abort", reject));
      } finally {
        serverDone();
      }
    },
  }]], [metrics.server({ meter: registry })]);
  try {
    assert.equal((await fetch(`${servers.http}/helloworld/ann`)).status, 200);
    const missing = await fetch(`${servers.http}/helloworld/ghost`);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
    const stopped = new Promise<void>((resolve) => serverDone = resolve);
    const abort = new AbortController();
    const client = createClient(Greeter, transports(servers).grpc);
    const it = client.sayHelloStream({}, { signal: abort.signal })[Symbol.asyncIterator]();
    await it.next();
    abort.abort();
    await stopped;
    const text = registry.exposition();
    assertValidExposition(text);
    const requests = samples(text, "rpc_server_requests_total");
    assert.equal(
      pick(requests, { rpc_system: "http", http_response_status_code: "200" })[0].value,
      1,
    );
    assert.equal(
      pick(requests, { rpc_system: "http", http_response_status_code: "404" })[0].value,
      1,
    );
    const canceled = pick(requests, { rpc_method: "SayHelloStream", rpc_grpc_status_code: "1" });
    assert.equal(canceled[0]?.value, 1, text);
  } finally {
    await servers.close();
  }
});

Deno.test("metrics: metricsHandler serves the registry as a Hono route", async () => {
  const registry = createMetricsRegistry();
  const server = createHttpServer({
    address: "127.0.0.1:0",
    app: new Hono(),
    services: [[Greeter, greeter({ t: 0 })]],
    middleware: [metrics.server({ meter: registry })],
  });
  server.app.get("/metrics", metricsHandler(registry));
  await server.start();
  try {
    const base = server.endpoint().href.replace(/\/$/, "");
    await createClient(Greeter, createConnectTransport({ baseUrl: base })).sayHello({ name: "x" });
    const res = await fetch(`${base}/metrics`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    const text = await res.text();
    assertValidExposition(text);
    assert.match(text, /^# HELP rpc_server_duration_milliseconds Duration of inbound RPCs\.$/m);
    assert.match(text, /^# TYPE rpc_server_duration_milliseconds histogram$/m);
    assert.match(text, /^# TYPE rpc_server_requests_total counter$/m);
    assert.match(
      text,
      /^rpc_server_requests_total\{rpc_system="connect_rpc",rpc_service="helloworld\.v1\.Greeter",rpc_method="SayHello",rpc_grpc_status_code="0"\} 1$/m,
    );
  } finally {
    await server.stop();
  }
});

Deno.test("metrics registry: escaping, units, validation, series sharing", () => {
  const registry = createMetricsRegistry();
  const c = registry.createCounter("jobs.done", { description: 'a "help"\\ line\nnext' });
  assert.equal(registry.createCounter("jobs.done"), c, "same name, same instrument");
  c.add(2, { queue: 'a"b\\c\nd', "tenant.id": 7 });
  c.add(1, { "tenant.id": 7, queue: 'a"b\\c\nd' }); // same attributes in another order
  c.add(-5, { queue: "x" }); // counters only go up: ignored
  const h = registry.createHistogram("payload.size", {
    unit: "By",
    advice: { explicitBucketBoundaries: [10, 100] },
  });
  h.record(5);
  h.record(10);
  h.record(1e6);
  h.record(Number.NaN);
  registry.createHistogram("queue.wait", { unit: "s" }).record(0.25, { "1st": "x" });
  const text = registry.exposition();
  assertValidExposition(text);
  assert.equal(
    text,
    [
      '# HELP jobs_done_total a "help"\\\\ line\\nnext',
      "# TYPE jobs_done_total counter",
      'jobs_done_total{queue="a\\"b\\\\c\\nd",tenant_id="7"} 3',
      "# TYPE payload_size_bytes histogram",
      'payload_size_bytes_bucket{le="10"} 2',
      'payload_size_bytes_bucket{le="100"} 2',
      'payload_size_bytes_bucket{le="+Inf"} 3',
      "payload_size_bytes_sum 1000015",
      "payload_size_bytes_count 3",
      "# TYPE queue_wait_seconds histogram",
      ...[0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000].map((b) =>
        `queue_wait_seconds_bucket{_1st="x",le="${b}"} ${b === 0 ? 0 : 1}`
      ),
      'queue_wait_seconds_bucket{_1st="x",le="+Inf"} 1',
      'queue_wait_seconds_sum{_1st="x"} 0.25',
      'queue_wait_seconds_count{_1st="x"} 1',
      "",
    ].join("\n"),
  );
  assert.throws(() => registry.createHistogram("jobs.done"), TypeError, "kind mismatch");
  assert.throws(() => registry.createCounter("jobs.done", { unit: "s" }), TypeError);
  assert.throws(() => registry.createCounter("9lives"), /invalid instrument name/);
  assert.throws(
    () => registry.createHistogram("h", { advice: { explicitBucketBoundaries: [5, 1] } }),
    RangeError,
  );
  assert.throws(() => metrics.server({ buckets: [1, Infinity] }), RangeError);
  assert.throws(() => metrics.client({ meter: {} as never }), /must be an OpenTelemetry Meter/);
});

// A reader that collects on demand: no export timer to leak from the test.
class OnDemandReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

Deno.test("metrics: an OpenTelemetry SDK meter gets the same instruments and attributes", async () => {
  const reader = new OnDemandReader();
  const provider = new MeterProvider({ readers: [reader] });
  const clock = fakeClock();
  const servers = await startServers([[Greeter, greeter(clock)]], [
    metrics.server({ meter: provider.getMeter("test"), now: clock.now, buckets: [10, 50, 100] }),
  ]);
  try {
    const client = createClient(Greeter, transports(servers).grpc);
    await client.sayHello({ name: "a" });
    await client.sayHello({ name: "ghost" }).catch(() => {});
    const { resourceMetrics, errors } = await reader.collect();
    assert.deepEqual(errors, []);
    const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    const duration = all.find((m) => m.descriptor.name === "rpc.server.duration")!;
    assert.equal(duration.descriptor.unit, "ms");
    assert.equal(duration.dataPointType, DataPointType.HISTOGRAM);
    const points = duration.dataPoints as {
      attributes: Record<string, unknown>;
      value: { buckets: { boundaries: number[]; counts: number[] }; count: number; sum?: number };
    }[];
    const ok = points.find((p) => p.attributes["rpc.grpc.status_code"] === 0)!;
    assert.deepEqual(ok.attributes, {
      "rpc.system": "grpc",
      "rpc.service": "helloworld.v1.Greeter",
      "rpc.method": "SayHello",
      "rpc.grpc.status_code": 0,
    });
    assert.deepEqual(ok.value.buckets.boundaries, [10, 50, 100], "the bucket advice is honoured");
    assert.deepEqual(ok.value.buckets.counts, [0, 1, 0, 0]);
    assert.equal(ok.value.sum, 30);
    const requests = all.find((m) => m.descriptor.name === "rpc.server.requests")!;
    const byCode = Object.fromEntries(
      requests.dataPoints.map((p) => [p.attributes["rpc.grpc.status_code"], p.value]),
    );
    assert.deepEqual(byCode, { 0: 1, 5: 1 });
  } finally {
    await servers.close();
    await provider.shutdown();
  }
});
