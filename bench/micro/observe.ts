// In-process A/B of what tracing and metrics add per call: the server middleware around a
// handler that answers at once, called with a request as the HTTP server builds it (Connect,
// helloworld's SayHello), no sockets. Variants run interleaved in rounds so drift on a shared
// machine hits them alike; prints one JSON line per variant on stdout: the median ns per call
// over the rounds (with the lowest and highest round), and that minus the bare chain. With
// --expose-gc each block starts from a collected heap, so one variant's garbage (the SDK's
// spans waiting for their batch) is not billed to the next.
//   deno run -A --v8-flags=--expose-gc bench/micro/observe.ts [--calls N] [--rounds R]
//     [--only SUBSTRING]
// (--only keeps the bare chain and the variants whose name contains it, e.g. for a profile).
import { numberOption, textOption } from "../lib/options.ts";
import { createContextValues } from "@connectrpc/connect";
import { ProxyTracerProvider } from "@opentelemetry/api";
import { BatchSpanProcessor, type SpanExporter, TracerProvider } from "@opentelemetry/sdk-trace";
import { createMetricsRegistry, metrics } from "../../middleware/metrics/mod.ts";
import { tracing } from "../../middleware/tracing/mod.ts";
import {
  type CallRequest,
  type CallResponse,
  type Middleware,
  type Next,
  serverTransportKey,
} from "../../transport/mod.ts";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";

const calls = numberOption("--calls", 100_000);
const rounds = numberOption("--rounds", 7);
const only = textOption("--only");

// Spans are batched and handed to an exporter that drops them: the SDK's cost, not a network's.
const exporter: SpanExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: () => Promise.resolve(),
};
const sdk = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter })] });
// What shipped services get: setupTracing() registers the SDK as the global provider, which
// tracing.server() reaches through OpenTelemetry's proxy.
const tracerProvider = new ProxyTracerProvider();
tracerProvider.setDelegate(sdk);
const variants: Record<string, () => Middleware[]> = {
  "bare": () => [],
  "metrics (registry, semconv)": () => [metrics.server({ meter: createMetricsRegistry() })],
  "metrics (registry, kratos)": () => [
    metrics.server({ meter: createMetricsRegistry(), convention: "kratos" }),
  ],
  "tracing (no SDK)": () => [tracing.server()],
  "tracing (SDK, batch processor)": () => [tracing.server({ tracerProvider })],
  // What helloworld and `atreus new` ship when no OTEL_* variable is set.
  "tracing (no SDK) + metrics": () => [
    tracing.server(),
    metrics.server({ meter: createMetricsRegistry() }),
  ],
  "tracing (SDK) + metrics": () => [
    tracing.server({ tracerProvider }),
    metrics.server({ meter: createMetricsRegistry() }),
  ],
};

const method = Greeter.method.sayHello;
const reply = { stream: false, message: {}, header: new Headers(), trailer: new Headers() };
const answer: Next = () => Promise.resolve(reply as unknown as CallResponse);
const request = (): CallRequest => {
  const contextValues = createContextValues();
  contextValues.set(serverTransportKey, {
    kind: "connect",
    endpoint: "http://127.0.0.1:8000",
    operation: "/helloworld.v1.Greeter/SayHello",
    requestHeader: new Headers(),
    replyHeader: new Headers(),
  });
  return {
    stream: false,
    service: Greeter,
    method,
    requestMethod: "POST",
    url: "http://127.0.0.1:8000/helloworld.v1.Greeter/SayHello",
    signal: new AbortController().signal,
    header: new Headers({ "content-type": "application/json" }),
    contextValues,
    message: {},
  } as unknown as CallRequest;
};

const handlers = Object.fromEntries(
  Object.entries(variants).filter(([name]) =>
    only === undefined || name === "bare" || name.includes(only)
  ).map(([name, make]) => [
    name,
    make().reduceRight<Next>((next, mw) => mw(next), answer),
  ]),
);
const gc = (globalThis as { gc?: () => void }).gc;
const samples = new Map<string, number[]>(Object.keys(handlers).map((k) => [k, []]));
for (let round = 0; round <= rounds; round++) {
  for (const [name, handler] of Object.entries(handlers)) {
    const reqs = Array.from({ length: calls }, request);
    gc?.();
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) await handler(reqs[i]);
    const ns = (performance.now() - t0) * 1e6 / calls;
    if (round > 0) samples.get(name)!.push(ns); // round 0 warms up
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const bare = median(samples.get("bare")!);
for (const [name, xs] of samples) {
  const ns = median(xs);
  console.log(
    JSON.stringify({
      variant: name,
      nsPerCall: Math.round(ns),
      addedNs: Math.round(ns - bare),
      minNs: Math.round(Math.min(...xs)),
      maxNs: Math.round(Math.max(...xs)),
    }),
  );
}
await sdk.shutdown();
