// Metrics middleware on real servers: counts and bucket values in the in-process registry
// (with a fake clock, so bucket placement is exact) under both conventions (OpenTelemetry's
// semconv and Go Kratos's), the Prometheus text format checked line by line against the
// format's grammar and by Prometheus's own `promtool check metrics`, the /metrics handler, and
// an OpenTelemetry SDK meter.
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
import { createMetricsRegistry, metrics, metricsHandler } from "../../middleware/metrics/mod.ts";
import { internal, notFound } from "../../errors/mod.ts";
import { createHttpServer } from "../../transport/mod.ts";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { startServers, transports } from "../support/servers.ts";
import { promtool } from "../support/promtool.ts";

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

const total = (rows: readonly { value: number }[]) => rows.reduce((n, r) => n + r.value, 0);

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
      assert.doesNotMatch(text, /_milliseconds|requests_total/, "seconds, and no extra counter");
      const name = `rpc_${side}_call_duration_seconds`;
      const counts = samples(text, `${name}_count`);
      for (const system of ["grpc", "connectrpc"]) {
        const calls = system === "grpc" ? 2 : 1; // gRPC-Web reports as grpc
        const hello = { rpc_system_name: system, rpc_method: "helloworld.v1.Greeter/SayHello" };
        // A Connect success carries no code; gRPC's is OK.
        const okCode = system === "grpc" ? "OK" : undefined;
        const ok = counts.filter((r) =>
          r.labels.rpc_system_name === system && r.labels.rpc_method === hello.rpc_method &&
          r.labels.rpc_status_code === okCode
        );
        // Client series are per server address: gRPC-Web and gRPC reach different ports.
        const series = side === "client" ? calls : 1;
        assert.equal(ok.length, series, `${side} ${system}: series`);
        assert.equal(total(ok), 2 * calls, `${side} ${system} ok count`);
        assert.equal(ok[0].labels.error_type, undefined, "no error.type on success");
        const missing = pick(counts, {
          ...hello,
          rpc_status_code: system === "grpc" ? "NOT_FOUND" : "not_found",
        });
        assert.equal(total(missing), calls, `${side} ${system} NotFound count`);
        // NotFound is the caller's problem: an error on the client, not a server fault.
        assert.equal(
          missing[0].labels.error_type,
          side === "client" ? missing[0].labels.rpc_status_code : undefined,
          `${side} ${system} error.type`,
        );
        // Each unary call took exactly 30 ms: all in the (0.025, 0.05] bucket.
        const okBuckets = samples(text, `${name}_bucket`).filter((b) =>
          b.labels.rpc_system_name === system && b.labels.rpc_method === hello.rpc_method &&
          b.labels.rpc_status_code === okCode
        );
        const le = (bound: string) => total(okBuckets.filter((b) => b.labels.le === bound));
        assert.equal(le("0.025"), 0, `${side} ${system}: nothing at or under 25 ms`);
        assert.equal(le("0.05"), 2 * calls);
        assert.equal(le("+Inf"), 2 * calls);
        const sum = total(
          samples(text, `${name}_sum`).filter((r) =>
            r.labels.rpc_system_name === system && r.labels.rpc_method === hello.rpc_method &&
            r.labels.rpc_status_code === okCode
          ),
        );
        assert.ok(Math.abs(sum - 0.06 * calls) < 1e-9, `${side} ${system} sum ${sum}`);
        // The stream's three messages took 100 ms each: measured to the end, 0.3 s.
        const stream = (r: { labels: Record<string, string> }) =>
          r.labels.rpc_system_name === system &&
          r.labels.rpc_method === "helloworld.v1.Greeter/SayHelloStream";
        const streamBuckets = samples(text, `${name}_bucket`).filter(stream);
        assert.equal(total(streamBuckets.filter((b) => b.labels.le === "0.25")), 0);
        assert.equal(total(streamBuckets.filter((b) => b.labels.le === "0.5")), calls);
        const streamSum = total(samples(text, `${name}_sum`).filter(stream));
        assert.ok(Math.abs(streamSum - 0.3 * calls) < 1e-9, `${side} ${system} stream sum`);
      }
      if (side === "client") {
        const grpcPort = Number(new URL(servers.grpc).port);
        const grpcRows = pick(counts, { rpc_system_name: "grpc", server_port: String(grpcPort) });
        assert.ok(grpcRows.length > 0, "client series carry server.port");
        assert.equal(grpcRows[0].labels.server_address, "127.0.0.1");
      }
    }
  } finally {
    await servers.close();
  }
});

Deno.test("metrics: REST calls follow the HTTP conventions; a cancelled stream counts as Canceled", async () => {
  const registry = createMetricsRegistry();
  let serverDone = () => {};
  const servers = await startServers([[Greeter, {
    sayHello(req: { name: string }) {
      if (req.name === "ghost") throw notFound("USER_NOT_FOUND", "no such user");
      if (req.name === "down") throw internal("DB_DOWN", "database down");
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
    for (const name of ["ghost", "down"]) {
      const res = await fetch(`${servers.http}/helloworld/${name}`);
      await res.body?.cancel();
    }
    const stopped = new Promise<void>((resolve) => serverDone = resolve);
    const abort = new AbortController();
    const client = createClient(Greeter, transports(servers).grpc);
    const it = client.sayHelloStream({}, { signal: abort.signal })[Symbol.asyncIterator]();
    await it.next();
    abort.abort();
    await stopped;
    const text = registry.exposition();
    assertValidExposition(text);
    const http = samples(text, "http_server_request_duration_seconds_count");
    const route = {
      http_request_method: "GET",
      http_route: "/helloworld/{name}",
      url_scheme: "http",
    };
    assert.equal(pick(http, { ...route, http_response_status_code: "200" })[0].value, 1);
    const notFoundRow = pick(http, { ...route, http_response_status_code: "404" })[0];
    assert.equal(notFoundRow.value, 1);
    assert.equal(notFoundRow.labels.error_type, undefined, "a 404 is no server error");
    assert.equal(
      pick(http, { ...route, http_response_status_code: "500", error_type: "500" })[0].value,
      1,
    );
    assert.equal(
      samples(text, "rpc_server_call_duration_seconds_count").filter((r) =>
        r.labels.rpc_method === "helloworld.v1.Greeter/SayHello"
      ).length,
      0,
      "REST calls are HTTP requests, not RPC series",
    );
    const canceled = pick(samples(text, "rpc_server_call_duration_seconds_count"), {
      rpc_method: "helloworld.v1.Greeter/SayHelloStream",
      rpc_status_code: "CANCELLED",
    });
    assert.equal(canceled[0]?.value, 1, text);
  } finally {
    await servers.close();
  }
});

Deno.test("metrics: the kratos convention records Go Kratos's series and labels", async () => {
  const clock = fakeClock();
  const serverRegistry = createMetricsRegistry();
  const clientRegistry = createMetricsRegistry();
  const servers = await startServers([[Greeter, greeter(clock)]], [
    metrics.server({ meter: serverRegistry, convention: "kratos", now: clock.now }),
  ]);
  try {
    const all = transports(servers, [
      metrics.client({ meter: clientRegistry, convention: "kratos", now: clock.now }),
    ]);
    for (const transport of [all.grpc, all.connect]) {
      const client = createClient(Greeter, transport);
      await client.sayHello({ name: "a" });
      await client.sayHello({ name: "ghost" }).catch(() => {});
    }
    assert.equal((await fetch(`${servers.http}/helloworld/ghost`)).status, 404);
    for (const [registry, side] of [[serverRegistry, "server"], [clientRegistry, "client"]]) {
      const text = (registry as typeof serverRegistry).exposition();
      assertValidExposition(text);
      assert.match(text, new RegExp(`^# TYPE ${side}_requests_code_total counter$`, "m"));
      assert.match(text, new RegExp(`^# TYPE ${side}_requests_seconds histogram$`, "m"));
      const codes = samples(text, `${side}_requests_code_total`);
      const op = "/helloworld.v1.Greeter/SayHello";
      for (const kind of ["grpc", "connect"]) {
        assert.deepEqual(
          pick(codes, { kind, operation: op, code: "200" }).map((r) => [r.labels, r.value]),
          [[{ kind, operation: op, code: "200", reason: "" }, 1]],
          `${side} ${kind}: Kratos's four labels, 200 on success`,
        );
        assert.equal(
          pick(codes, { kind, operation: op, code: "404", reason: "USER_NOT_FOUND" })[0].value,
          1,
        );
        const buckets = pick(samples(text, `${side}_requests_seconds_bucket`), {
          kind,
          operation: op,
        });
        assert.deepEqual(
          buckets.map((b) => b.labels.le),
          ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "+Inf"],
          "Kratos's DefaultSecondsHistogram buckets",
        );
        assert.deepEqual(Object.keys(buckets[0].labels).sort(), ["kind", "le", "operation"]);
        assert.equal(buckets.find((b) => b.labels.le === "0.05")!.value, 2, "30 ms each");
        assert.equal(buckets.find((b) => b.labels.le === "0.025")!.value, 0);
      }
      if (side === "server") {
        assert.equal(
          pick(codes, { kind: "http", operation: op, code: "404", reason: "USER_NOT_FOUND" })[0]
            .value,
          1,
          "REST calls have kind http, as on Kratos's HTTP server",
        );
      }
    }
  } finally {
    await servers.close();
  }
});

Deno.test("metrics: promtool check metrics finds nothing to lint in anything Atreus exposes", async () => {
  const registry = createMetricsRegistry();
  const clock = fakeClock();
  const servers = await startServers([[Greeter, greeter(clock)]], [
    metrics.server({ meter: registry, now: clock.now }),
    metrics.server({ meter: registry, convention: "kratos", now: clock.now }),
  ]);
  try {
    const clientSide = [
      metrics.client({ meter: registry, now: clock.now }),
      metrics.client({ meter: registry, convention: "kratos", now: clock.now }),
    ];
    for (const transport of Object.values(transports(servers, clientSide))) {
      const client = createClient(Greeter, transport);
      await client.sayHello({ name: "a" });
      await client.sayHello({ name: "ghost" }).catch(() => {});
      for await (const _ of client.sayHelloStream({ count: 2 }));
    }
    await (await fetch(`${servers.http}/helloworld/ann`)).body?.cancel();
    const text = registry.exposition();
    for (
      const name of [
        "rpc_server_call_duration_seconds",
        "rpc_client_call_duration_seconds",
        "http_server_request_duration_seconds",
        "server_requests_seconds",
        "server_requests_code_total",
        "client_requests_seconds",
        "client_requests_code_total",
      ]
    ) assert.match(text, new RegExp(`^# TYPE ${name} `, "m"), `${name} is exposed`);
    assert.deepEqual(await promtool(text), { code: 0, output: "" });
    // The linter itself: the names this replaced are findings.
    const old = createMetricsRegistry();
    old.createHistogram("rpc.server.duration", { unit: "ms", description: "d" }).record(1);
    const found = await promtool(old.exposition());
    assert.equal(found.code, 3, found.output);
    assert.match(found.output, /use base unit "seconds" instead of "milliseconds"/);
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
    assert.match(
      text,
      /^# HELP rpc_server_call_duration_seconds Measures the duration of an incoming Remote Procedure Call \(RPC\)\.$/m,
    );
    assert.match(text, /^# TYPE rpc_server_call_duration_seconds histogram$/m);
    assert.match(
      text,
      /^rpc_server_call_duration_seconds_count\{rpc_system_name="connectrpc",rpc_method="helloworld\.v1\.Greeter\/SayHello"\} 1$/m,
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
    metrics.server({
      meter: provider.getMeter("test"),
      now: clock.now,
      buckets: [0.01, 0.05, 0.1],
    }),
  ]);
  try {
    const client = createClient(Greeter, transports(servers).grpc);
    await client.sayHello({ name: "a" });
    await client.sayHello({ name: "ghost" }).catch(() => {});
    const { resourceMetrics, errors } = await reader.collect();
    assert.deepEqual(errors, []);
    const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    const duration = all.find((m) => m.descriptor.name === "rpc.server.call.duration")!;
    assert.equal(duration.descriptor.unit, "s");
    assert.equal(duration.dataPointType, DataPointType.HISTOGRAM);
    const points = duration.dataPoints as {
      attributes: Record<string, unknown>;
      value: { buckets: { boundaries: number[]; counts: number[] }; count: number; sum?: number };
    }[];
    const ok = points.find((p) => p.attributes["rpc.status_code"] === "OK")!;
    assert.deepEqual(ok.attributes, {
      "rpc.system.name": "grpc",
      "rpc.method": "helloworld.v1.Greeter/SayHello",
      "rpc.status_code": "OK",
    });
    assert.deepEqual(ok.value.buckets.boundaries, [0.01, 0.05, 0.1], "the advice is honoured");
    assert.deepEqual(ok.value.buckets.counts, [0, 1, 0, 0]);
    assert.ok(Math.abs(ok.value.sum! - 0.03) < 1e-9);
    const byCode = Object.fromEntries(
      points.map((p) => [p.attributes["rpc.status_code"], p.value.count]),
    );
    assert.deepEqual(byCode, { OK: 1, NOT_FOUND: 1 });
    assert.equal(all.length, 1, "one instrument: the histogram's count is the request count");
  } finally {
    await servers.close();
    await provider.shutdown();
  }
});
