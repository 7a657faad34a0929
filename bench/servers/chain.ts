// A production middleware chain on Atreus's HTTP server, built up one middleware per bench row:
//   --upto N   the first N of: recovery, metadata, logging (logfmt to stdout: a file in the
//              bench), tracing (OpenTelemetry SDK, batch span processor, an exporter that drops
//              the batches), metrics (into createMetricsRegistry), protovalidate, JWT auth (the
//              secret in BENCH_JWT_SECRET; every request carries the same token, so the verdict
//              cache answers after the first), BBR rate limiting.
import process from "node:process";
import { trace } from "@opentelemetry/api";
import { BatchSpanProcessor, type SpanExporter, TracerProvider } from "@opentelemetry/sdk-trace";
import { createHttpServer, type Middleware } from "../../transport/mod.ts";
import { logging, ratelimit, recovery } from "../../middleware/mod.ts";
import { auth } from "../../middleware/auth/mod.ts";
import { createMetricsRegistry, metrics } from "../../middleware/metrics/mod.ts";
import { tracing } from "../../middleware/tracing/mod.ts";
import { validate } from "../../middleware/validate/mod.ts";
import * as metadata from "../../metadata/mod.ts";
import * as log from "../../log/mod.ts";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { GreeterService } from "../../examples/helloworld/internal/service/greeter.ts";
import { announce, uptoArg } from "./listen.ts";

/** The chain, in the order the rows add it. */
export const steps = [
  "recovery",
  "metadata",
  "logging",
  "tracing",
  "metrics",
  "validate",
  "auth",
  "bbr",
] as const;

const upto = uptoArg(steps.length);
const logger = log.filter(
  log.with(log.createLogger({ format: "logfmt" }), "ts", log.timestamp()),
  { level: "info" },
);
// Spans are batched and exported as a real exporter would be handed them; the batches are
// then dropped, so the row measures the SDK, not a collector. The provider is registered
// globally and tracing.server() takes it from there, as in a service set up by setupTracing().
const exporter: SpanExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: () => Promise.resolve(),
};
const tracerProvider = new TracerProvider({
  spanProcessors: [new BatchSpanProcessor({ exporter })],
});
trace.setGlobalTracerProvider(tracerProvider);
const secret = process.env.BENCH_JWT_SECRET ?? "";
const make: Record<(typeof steps)[number], () => Middleware> = {
  recovery: () => recovery({ logger }),
  metadata: () => metadata.server(),
  logging: () => logging.server(logger),
  tracing: () => tracing.server(),
  metrics: () => metrics.server({ meter: createMetricsRegistry() }),
  validate: () => validate(),
  auth: () => auth.server({ verify: { secret } }),
  bbr: () => ratelimit(),
};
const middleware = steps.slice(0, upto).map((name) => make[name]());
const server = createHttpServer({
  address: "127.0.0.1:0",
  services: [[Greeter, new GreeterService()]],
  middleware,
  timeoutMs: 0,
});
await server.start();
announce(Number(server.endpoint().port));
process.on(
  "SIGTERM",
  () => void server.stop().then(() => tracerProvider.shutdown()).then(() => process.exit(0)),
);
