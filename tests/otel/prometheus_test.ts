// A real Prometheus (Debian's) scrapes helloworld's /metrics, run as a user runs it, and an
// in-process server on the Kratos convention; PromQL over Prometheus's HTTP API returns the
// request counts and a p99 for the calls made here, and Kratos dashboards' queries find their
// series. The p99 is checked against the quantile computed from the scraped buckets.
import assert from "node:assert/strict";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Hono } from "hono";
import { createMetricsRegistry, metrics, metricsHandler } from "../../middleware/metrics/mod.ts";
import { notFound } from "../../errors/mod.ts";
import { createGrpcServer, createHttpServer } from "../../transport/mod.ts";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { startHelloworld } from "../support/helloworld.ts";
import { pollJson, startPrometheus } from "../support/observability.ts";

interface Vector {
  metric: Record<string, string>;
  value: [number, string];
}

/** Instant query; resolves once `accept` takes the result vector (bounded). */
function query<T>(
  api: string,
  promql: string,
  accept: (v: Vector[]) => T | undefined,
  ms = 30_000,
): Promise<T> {
  return pollJson(
    `${api}/api/v1/query?query=${encodeURIComponent(promql)}`,
    (body) => {
      const b = body as { status: string; data: { resultType: string; result: Vector[] } };
      return b.status === "success" ? accept(b.data.result) : undefined;
    },
    ms,
    promql,
  );
}

const scalar = (v: Vector[]) => v.length === 1 ? Number(v[0].value[1]) : undefined;

/** Prometheus's histogram_quantile on one series' cumulative buckets (`le` → count). */
function quantile(q: number, buckets: [number, number][]): number {
  buckets.sort((a, b) => a[0] - b[0]);
  const total = buckets.at(-1)![1];
  const rank = q * total;
  const i = buckets.findIndex(([, c]) => c >= rank);
  if (buckets[i][0] === Infinity) return buckets[buckets.length - 2][0];
  const [upper, count] = buckets[i];
  const [lower, below] = i === 0 ? [0, 0] : buckets[i - 1];
  return lower + (upper - lower) * (rank - below) / (count - below);
}

function scrapedBuckets(text: string, name: string, match: RegExp): [number, number][] {
  const out: [number, number][] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}_bucket{`) || !match.test(line)) continue;
    const le = line.match(/le="([^"]+)"/)![1];
    out.push([le === "+Inf" ? Infinity : Number(le), Number(line.split(" ").at(-1))]);
  }
  return out;
}

Deno.test("prometheus scrapes helloworld's /metrics: request counts and p99 by PromQL; Kratos series too", async () => {
  const hello = await startHelloworld("deno");
  // A Kratos-convention service, as a team moving from Go Kratos would run it.
  const registry = createMetricsRegistry();
  const web = new Hono();
  web.get("/metrics", metricsHandler(registry));
  const greeter = {
    sayHello(req: { name: string }) {
      if (req.name === "nobody") throw notFound("USER_NOT_FOUND", "no such user");
      return { message: `hi ${req.name}` };
    },
  };
  const kratosHttp = createHttpServer({
    address: "127.0.0.1:0",
    app: web,
    services: [[Greeter, greeter]],
  });
  const kratosGrpc = createGrpcServer({
    address: "127.0.0.1:0",
    services: [[Greeter, greeter]],
    middleware: [metrics.server({ meter: registry, convention: "kratos" })],
  });
  await kratosHttp.start();
  await kratosGrpc.start();
  const prometheus = await startPrometheus({
    helloworld: new URL(hello.http).host,
    kratos: kratosHttp.endpoint().host,
  });
  try {
    const call = (name: string) =>
      fetch(`${hello.http}/helloworld.v1.Greeter/SayHello`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name }),
      }).then(async (res) => [res.status, await res.text()] as const);
    for (let i = 0; i < 20; i++) assert.equal((await call(`u${i}`))[0], 200);
    for (let i = 0; i < 5; i++) assert.equal((await call("nobody"))[0], 404);
    const kratosClient = createClient(
      Greeter,
      createGrpcTransport({ baseUrl: `http://${kratosGrpc.endpoint().host}` }),
    );
    for (let i = 0; i < 7; i++) await kratosClient.sayHello({ name: "k" });
    await kratosClient.sayHello({ name: "nobody" }).catch(() => {});

    const method = 'rpc_method="helloworld.v1.Greeter/SayHello"';
    const total = await query(
      prometheus.api,
      `sum(rpc_server_call_duration_seconds_count{job="helloworld",${method}})`,
      (v) => scalar(v) === 25 ? 25 : undefined,
    );
    assert.equal(total, 25, "every call made, counted once");
    const failed = await query(
      prometheus.api,
      `sum(rpc_server_call_duration_seconds_count{job="helloworld",${method},rpc_status_code="not_found"})`,
      scalar,
    );
    assert.equal(failed, 5);
    // The p99 Prometheus computes from the scraped histogram, against our own computation on
    // the same buckets as helloworld serves them now (no calls were made since).
    const text = await (await fetch(`${hello.http}/metrics`)).text();
    const buckets = scrapedBuckets(
      text,
      "rpc_server_call_duration_seconds",
      /rpc_system_name="connectrpc",rpc_method="helloworld\.v1\.Greeter\/SayHello",le=/,
    );
    assert.equal(buckets.find(([le]) => le === Infinity)?.[1], 20, "the OK series");
    const p99 = await query(
      prometheus.api,
      `histogram_quantile(0.99, sum by (le) (rpc_server_call_duration_seconds_bucket{job="helloworld",${method},rpc_status_code=""}))`,
      scalar,
    );
    assert.ok(Number.isFinite(p99) && p99 > 0 && p99 <= 10, `p99 ${p99} s`);
    assert.ok(Math.abs(p99 - quantile(0.99, buckets)) < 1e-9, `p99 ${p99} vs buckets ${buckets}`);

    // The queries of a Kratos dashboard: requests by code, and latency quantiles by operation.
    const op = 'operation="/helloworld.v1.Greeter/SayHello"';
    const kratosOk = await query(
      prometheus.api,
      `sum(server_requests_code_total{job="kratos",kind="grpc",${op},code="200"})`,
      (v) => scalar(v) === 7 ? 7 : undefined,
    );
    assert.equal(kratosOk, 7);
    assert.equal(
      await query(
        prometheus.api,
        `sum(server_requests_code_total{job="kratos",${op},code="404",reason="USER_NOT_FOUND"})`,
        scalar,
      ),
      1,
    );
    const kratosP99 = await query(
      prometheus.api,
      `histogram_quantile(0.99, sum by (le, operation) (server_requests_seconds_bucket{job="kratos",kind="grpc"}))`,
      (v) =>
        v.length === 1 && v[0].metric.operation === "/helloworld.v1.Greeter/SayHello"
          ? Number(v[0].value[1])
          : undefined,
    );
    assert.ok(kratosP99 > 0 && kratosP99 <= 1, `Kratos p99 ${kratosP99} s`);
  } finally {
    await prometheus.close();
    await kratosHttp.stop();
    await kratosGrpc.stop();
    await hello.child.close();
  }
});
