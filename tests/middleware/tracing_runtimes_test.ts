// The observability and protection middleware (tracing, metrics, auth, ratelimit) on every
// runtime the library targets. This file is also the probe: run as a main module (on Node or
// Bun), it serves a Greeter through all four middleware, calls it over Connect and gRPC, and
// prints one JSON line of what it saw. On Workers, a bundle built from the same middleware runs
// on workerd (no SDK there, no native gRPC, and no CPU reading: the documented fallbacks).
import assert from "node:assert/strict";

/** What the probe prints. */
interface ProbeResult {
  readonly runtime: string;
  readonly replies: string[];
  readonly missingTokenReason: string;
  readonly traceIds: number;
  readonly spans: number;
  readonly serverSpanParentIsClient: boolean;
  readonly requestsTotal: number;
  readonly cpuReading: number | null;
  readonly quotaReason: string;
}

async function probe(): Promise<ProbeResult> {
  const { createClient } = await import("@connectrpc/connect");
  const { createConnectTransport, createGrpcTransport } = await import(
    "@connectrpc/connect-node"
  );
  const { SignJWT } = await import("jose");
  const { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } = await import(
    "@opentelemetry/sdk-trace"
  );
  const { SpanKind } = await import("@opentelemetry/api");
  const { processCpuSampler, ratelimit } = await import("../../middleware/mod.ts");
  const { auth } = await import("../../middleware/auth/mod.ts");
  const { createMetricsRegistry, metrics } = await import("../../middleware/metrics/mod.ts");
  const { tracing } = await import("../../middleware/tracing/mod.ts");
  const { createGrpcServer, createHttpServer } = await import("../../transport/mod.ts");
  const { reason } = await import("../../errors/mod.ts");
  const { Greeter } = await import("../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts");

  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const registry = createMetricsRegistry();
  const secret = "runtime-probe-secret";
  const middleware = [
    tracing.server({ tracerProvider }),
    metrics.server({ meter: registry }),
    ratelimit(),
    auth.server({ verify: { secret } }),
    // Quotas after auth, so the key can come from the claims.
    ratelimit.tokenBucket({
      rate: 1,
      burst: 2,
      key: (req) => req.header.get("x-tenant") ?? auth.claims(req.contextValues)?.sub ?? "",
    }),
  ];
  const services = [[Greeter, {
    sayHello: (req: { name: string }) => ({ message: `${req.name} ${auth.claims()?.sub}` }),
  }]] as const;
  const options = { address: "127.0.0.1:0", services, middleware };
  const http = createHttpServer(options);
  const grpc = createGrpcServer(options);
  await http.start();
  await grpc.start();
  try {
    const token = await new SignJWT({ sub: "probe" }).setProtectedHeader({ alg: "HS256" })
      .setExpirationTime("1m").sign(new TextEncoder().encode(secret));
    const clientMw = [tracing.client({ tracerProvider }), auth.client({ token })];
    const connect = createConnectTransport({
      baseUrl: http.endpoint().href,
      httpVersion: "1.1",
      interceptors: clientMw as never,
    });
    const grpcT = createGrpcTransport({
      baseUrl: `http://${grpc.endpoint().host}`,
      interceptors: clientMw as never,
    });
    const replies: string[] = [];
    for (const t of [connect, grpcT]) {
      replies.push((await createClient(Greeter, t).sayHello({ name: "hi" })).message);
    }
    const bare = createConnectTransport({ baseUrl: http.endpoint().href, httpVersion: "1.1" });
    const missing = await createClient(Greeter, bare).sayHello({ name: "x" }).catch((e) => e);
    const tenant = { headers: { "x-tenant": "t" } };
    const quota = await Promise.allSettled(
      [1, 2, 3].map(() => createClient(Greeter, connect).sayHello({ name: "q" }, tenant)),
    );
    const rejected = quota.find((r) => r.status === "rejected") as PromiseRejectedResult;
    const spans = exporter.getFinishedSpans().slice(0, 4);
    const server = spans.find((s) => s.kind === SpanKind.SERVER);
    const client = spans.find((s) => s.kind === SpanKind.CLIENT);
    const requests = registry.exposition().split("\n")
      .filter((l) => l.startsWith("rpc_server_call_duration_seconds_count"))
      .reduce((n, l) => n + Number(l.split(" ").at(-1)), 0);
    const sample = processCpuSampler({ intervalMs: 1 });
    return {
      runtime: typeof Deno !== "undefined"
        ? "deno"
        : "Bun" in globalThis
        ? "bun"
        : `node ${globalThis.process?.version}`,
      replies,
      missingTokenReason: reason(missing),
      traceIds: new Set(spans.map((s) => s.spanContext().traceId)).size,
      spans: spans.length,
      serverSpanParentIsClient: server?.parentSpanContext?.spanId ===
        client?.spanContext().spanId,
      requestsTotal: requests,
      cpuReading: sample === undefined ? null : sample(),
      quotaReason: rejected === undefined ? "" : reason(rejected.reason),
    };
  } finally {
    await http.stop();
    await grpc.stop();
  }
}

// The worker: the same middleware without an SDK (tracing passes a caller's ids through), the
// registry served at /metrics, and a report of what the runtime offers.
function workerSource(root: string): string {
  const at = (path: string) => JSON.stringify(`file://${root}${path}`);
  return `
import { Hono } from "hono";
import { SignJWT } from "jose";
import { createHttpServer } from ${at("transport/mod.ts")};
import { processCpuSampler, ratelimit } from ${at("middleware/mod.ts")};
import { auth } from ${at("middleware/auth/mod.ts")};
import { createMetricsRegistry, metrics, metricsHandler } from ${at("middleware/metrics/mod.ts")};
import { tracing } from ${at("middleware/tracing/mod.ts")};
import { Greeter } from ${at("examples/helloworld/gen/helloworld/v1/greeter_pb.ts")};
const secret = "worker-secret";
const registry = createMetricsRegistry();
const server = createHttpServer({
  app: new Hono(),
  health: false,
  reflection: false,
  services: [[Greeter, {
    sayHello: (req) => ({
      message: [req.name, auth.claims()?.sub, tracing.activeSpan()?.spanContext().traceId].join(" "),
    }),
  }]],
  middleware: [tracing.server(), metrics.server({ meter: registry }), ratelimit(), auth.server({ verify: { secret } })],
});
server.app.get("/metrics", metricsHandler(registry));
server.app.get("/probe", async () => Response.json({
  cpuSampler: processCpuSampler() !== undefined,
  token: await new SignJWT({ sub: "edge" }).setProtectedHeader({ alg: "HS256" })
    .sign(new TextEncoder().encode(secret)),
}));
export default { fetch: (request, env, ctx) => server.fetch(request, env, ctx) };
`;
}

if (import.meta.main) {
  const result = await probe();
  console.log(`PROBE ${JSON.stringify(result)}`);
} else {
  const { run } = await import("../support/process.ts");
  const { root } = await import("../support/tools.ts");
  const { runtimeCommand } = await import("../support/helloworld.ts");

  Deno.test("tracing, metrics, auth and ratelimit on workerd", async () => {
    const { bundleWorker, startWorkerd, workerdConfig } = await import("../support/workerd.ts");
    const dir = await Deno.makeTempDir({ prefix: "atreus-mw-workerd-" });
    await Deno.writeTextFile(`${dir}/entry.ts`, workerSource(root));
    await bundleWorker(`${dir}/entry.ts`, `${dir}/worker.js`);
    const workerd = await startWorkerd(dir, (port) => workerdConfig(port), "/probe");
    const base = workerd.base;
    try {
      const probe = await fetch(`${base}/probe`);
      const { cpuSampler, token } = await probe.json();
      assert.equal(cpuSampler, false, "Workers have no process CPU time: BBR never sheds there");
      const call = (headers: Record<string, string>) =>
        fetch(`${base}/helloworld.v1.Greeter/SayHello`, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify({ name: "edge" }),
        });
      const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
      const ok = await call({
        authorization: `Bearer ${token}`,
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      });
      assert.equal(ok.status, 200);
      assert.deepEqual(await ok.json(), { message: `edge edge ${traceId}` });
      const denied = await call({});
      assert.equal(denied.status, 401);
      await denied.body?.cancel();
      const { createClient } = await import("@connectrpc/connect");
      const { createConnectTransport } = await import("@connectrpc/connect-web");
      const { Greeter } = await import("../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts");
      const { reason } = await import("../../errors/mod.ts");
      const err = await createClient(Greeter, createConnectTransport({ baseUrl: base }))
        .sayHello({ name: "x" }).then(() => undefined, (e) => e);
      assert.equal(reason(err), "TOKEN_MISSING");
      const text = await (await fetch(`${base}/metrics`)).text();
      assert.match(
        text,
        /rpc_server_call_duration_seconds_count\{rpc_system_name="connectrpc",rpc_method="helloworld\.v1\.Greeter\/SayHello"\} 1/,
      );
      assert.match(
        text,
        /rpc_server_call_duration_seconds_count\{[^}]*rpc_status_code="unauthenticated"[^}]*\} 2/,
      );
    } finally {
      await workerd.close();
    }
  });

  for (const runtime of ["node", "bun"] as const) {
    Deno.test(`tracing, metrics, auth and ratelimit on ${runtime}`, async () => {
      const [cmd, args] = runtimeCommand(runtime, new URL(import.meta.url).pathname);
      const out = await run(cmd, args, { cwd: root, timeoutMs: 60_000 });
      const line = out.stdout.split("\n").find((l) => l.startsWith("PROBE "));
      assert.ok(line, `${runtime} printed no result:\n${out.stdout}\n${out.stderr}`);
      const r = JSON.parse(line.slice(6)) as ProbeResult;
      assert.match(r.runtime, runtime === "node" ? /^node v24\./ : /^bun$/);
      assert.deepEqual(r.replies, ["hi probe", "hi probe"]);
      assert.equal(r.missingTokenReason, "TOKEN_MISSING");
      assert.equal(r.spans, 4, "client and server span for each of two calls");
      assert.equal(r.traceIds, 2, "one trace per call");
      assert.ok(r.serverSpanParentIsClient, "the server span is the client span's child");
      assert.ok(r.requestsTotal >= 3, `metrics counted the calls: ${r.requestsTotal}`);
      assert.ok(
        r.cpuReading !== null && r.cpuReading >= 0 && r.cpuReading <= 1000,
        `process CPU is readable: ${r.cpuReading}`,
      );
      assert.equal(r.quotaReason, "RATELIMIT");
    });
  }
}
