// In-process A/B of the server middleware chains the bench serves, per call: helloworld's (as
// examples/helloworld/internal/server builds it, with the App's logger prefix and a level that
// follows config) and the production chain of bench/servers/chain.ts, one middleware at a time
// too. Each call runs in a request scope as the fast path runs it (runScoped), around a handler
// that answers at once, with a request as the HTTP server builds it (Connect JSON, helloworld's
// SayHello), no sockets. Log lines are formatted and joined into one text per batch, as the
// stdout sink does, then dropped.
//
// Variants run interleaved in rounds so drift on a shared machine hits them alike; prints one
// JSON line per variant: the median ns per call over the rounds (lowest and highest round), and
// that minus the bare chain of the same tree; the same for the process's CPU time per call
// (`cpu*`), which a shared machine's stolen time does not inflate as it does wall time. With
// --base DIR every variant also runs on the code of another checkout (e.g. `git archive main | tar -x -C /tmp/base`), interleaved with
// this one, so a change is measured against what it replaces in the same process:
//   deno run -A --v8-flags=--expose-gc bench/micro/chain.ts [--calls N] [--rounds R]
//     [--only SUBSTRING] [--base DIR]
import process from "node:process";
import { numberOption, textOption } from "../lib/options.ts";
import { SignJWT } from "jose";
import { ProxyTracerProvider } from "@opentelemetry/api";
import { BatchSpanProcessor, type SpanExporter, TracerProvider } from "@opentelemetry/sdk-trace";
import { create } from "@bufbuild/protobuf";
import {
  Greeter,
  HelloRequestSchema,
} from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import type { CallRequest, CallResponse, Middleware, Next } from "../../transport/mod.ts";

const calls = numberOption("--calls", 50_000);
const rounds = numberOption("--rounds", 7);
const only = textOption("--only");
const base = textOption("--base");

const exporter: SpanExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: () => Promise.resolve(),
};
const sdk = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter })] });
// The production chain's tracing reaches the SDK through OpenTelemetry's proxy, as a service
// set up by setupTracing() does; helloworld's has no SDK (no OTEL_* set).
const withSdk = new ProxyTracerProvider();
withSdk.setDelegate(sdk);
const noSdk = new ProxyTracerProvider();
const secret = crypto.randomUUID();
const token = await new SignJWT({ sub: "bench" }).setProtectedHeader({ alg: "HS256" })
  .setExpirationTime("2h").sign(new TextEncoder().encode(secret));

// The modules a tree provides, loaded from its root.
// deno-lint-ignore no-explicit-any
type Mod = any;
async function tree(root: string) {
  const at = (path: string): Promise<Mod> => import(new URL(path, root).href);
  const [mw, metadata, log, metrics, tracing, validate, auth, context, info, appinfo] =
    await Promise
      .all([
        at("middleware/mod.ts"),
        at("metadata/mod.ts"),
        at("log/mod.ts"),
        at("middleware/metrics/mod.ts"),
        at("middleware/tracing/mod.ts"),
        at("middleware/validate/mod.ts"),
        at("middleware/auth/mod.ts"),
        at("internal/context.ts"),
        at("internal/transport_info.ts"),
        at("internal/appinfo.ts"),
      ]);
  // Lines end as the stdout sink ends them: joined per batch (which flattens each line).
  let joined = 0;
  const sink = () => {
    const pending: string[] = [];
    return (line: string) => {
      pending.push(line);
      if (pending.length >= 256) {
        joined += pending.join("\n").length;
        pending.length = 0;
      }
    };
  };
  // helloworld's logger: logfmt with a timestamp, a level read per record, under the App's
  // service.* prefix (examples/helloworld/internal/app/app.ts and app.ts).
  const level = "info";
  const helloLogger = log.with(
    log.filter(log.with(log.createLogger({ sink: sink() }), "ts", log.timestamp()), {
      level: () => level,
    }),
    "service.id",
    () => "6f1c1f4e-0b9e-4c51-9d0a-2f5d3c1b8a77",
    "service.name",
    "helloworld",
    "service.version",
    "v1.0.0",
  );
  // bench/servers/chain.ts's logger.
  const chainLogger = log.filter(
    log.with(log.createLogger({ sink: sink() }), "ts", log.timestamp()),
    { level: "info" },
  );
  const steps: Record<string, () => Middleware> = {
    recovery: () => mw.recovery({ logger: chainLogger }),
    metadata: () => metadata.server(),
    logging: () => mw.logging.server(chainLogger),
    tracing: () => tracing.tracing.server({ tracerProvider: withSdk }),
    metrics: () => metrics.metrics.server({ meter: metrics.createMetricsRegistry() }),
    validate: () => validate.validate(),
    auth: () => auth.auth.server({ verify: { secret } }),
    bbr: () => mw.ratelimit(),
  };
  const names = Object.keys(steps);
  const variants: Record<string, () => Middleware[]> = {
    "bare": () => [],
    "recovery": () => [mw.recovery({ logger: helloLogger })],
    "metadata": () => [metadata.server()],
    "logging (helloworld logger)": () => [mw.logging.server(helloLogger)],
    "tracing (no SDK)": () => [tracing.tracing.server({ tracerProvider: noSdk })],
    "metrics": () => [metrics.metrics.server({ meter: metrics.createMetricsRegistry() })],
    "recovery+metadata+logging": () => [
      mw.recovery({ logger: helloLogger }),
      metadata.server(),
      mw.logging.server(helloLogger),
    ],
    // examples/helloworld/internal/server/server.ts's middleware().
    "helloworld chain": () => [
      mw.recovery({ logger: helloLogger }),
      tracing.tracing.server({ tracerProvider: noSdk }),
      metrics.metrics.server({ meter: metrics.createMetricsRegistry() }),
      metadata.server(),
      mw.logging.server(helloLogger),
    ],
    "validate": () => [validate.validate()],
    "auth": () => [auth.auth.server({ verify: { secret } })],
    "bbr": () => [mw.ratelimit()],
    "tracing (SDK)": () => [tracing.tracing.server({ tracerProvider: withSdk })],
  };
  for (let n = 1; n <= names.length; n++) {
    variants[`chain upto ${n} (${names[n - 1]})`] = () =>
      names.slice(0, n).map((name) => steps[name]());
  }
  const reply = {
    stream: false,
    message: {},
    method: Greeter.method.sayHello,
    service: Greeter,
    header: new Headers(),
    trailer: new Headers(),
  };
  const answer: Next = () => Promise.resolve(reply as unknown as CallResponse);
  const message = create(HelloRequestSchema, { name: "bench" });
  const request = (): CallRequest => {
    const contextValues = context.newValues();
    contextValues.set(info.serverTransportKey, {
      kind: "connect",
      endpoint: "http://127.0.0.1:8000",
      operation: "/helloworld.v1.Greeter/SayHello",
      requestHeader: new Headers(),
      replyHeader: new Headers(),
    });
    contextValues.set(appinfo.appInfoKey, {
      id: "6f1c1f4e-0b9e-4c51-9d0a-2f5d3c1b8a77",
      name: "helloworld",
      version: "v1.0.0",
      metadata: {},
      endpoints: [],
    });
    return {
      stream: false,
      service: Greeter,
      method: Greeter.method.sayHello,
      requestMethod: "POST",
      url: "http://127.0.0.1:8000/helloworld.v1.Greeter/SayHello",
      signal: new AbortController().signal,
      header: new Headers({
        host: "127.0.0.1:8000",
        "content-type": "application/json",
        "content-length": "16",
        authorization: `Bearer ${token}`,
      }),
      contextValues,
      message,
    } as unknown as CallRequest;
  };
  // As the fast path runs a call: in a request scope that is emptied once the call settles.
  const scoped = (invoke: Next) => (req: CallRequest) =>
    context.runScoped(req.contextValues, () => invoke(req));
  return { variants, answer, request, scoped, joined: () => joined };
}

const here = new URL("../../", import.meta.url).href;
const trees: [string, Awaited<ReturnType<typeof tree>>][] = [["head", await tree(here)]];
if (base !== undefined) {
  trees.unshift([
    "base",
    await tree(new URL(base.endsWith("/") ? base : `${base}/`, "file:///").href),
  ]);
}
type Handler = { tree: string; make: () => (req: CallRequest) => Promise<CallResponse> };
const handlers = new Map<string, Handler>();
for (const [label, t] of trees) {
  for (const [name, make] of Object.entries(t.variants)) {
    if (only !== undefined && name !== "bare" && !name.includes(only)) continue;
    const key = base === undefined ? name : `${name} [${label}]`;
    handlers.set(key, {
      tree: label,
      make: () => t.scoped(make().reduceRight<Next>((next, m) => m(next), t.answer)),
    });
  }
}
const requests = Object.fromEntries(trees.map(([label, t]) => [label, t.request]));
const gc = (globalThis as { gc?: () => void }).gc;
const samples = new Map<string, number[]>([...handlers.keys()].map((k) => [k, []]));
const cpuSamples = new Map<string, number[]>([...handlers.keys()].map((k) => [k, []]));
const cpuNow = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const built = new Map([...handlers].map(([k, h]) => [k, h.make()]));
for (let round = 0; round <= rounds; round++) {
  for (const [name, handler] of built) {
    const reqs = Array.from({ length: calls }, requests[handlers.get(name)!.tree]);
    gc?.();
    const c0 = cpuNow();
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) await handler(reqs[i]);
    const ns = (performance.now() - t0) * 1e6 / calls;
    const cpuNs = (cpuNow() - c0) * 1e3 / calls;
    if (round > 0) { // round 0 warms up
      samples.get(name)!.push(ns);
      cpuSamples.get(name)!.push(cpuNs);
    }
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [name, xs] of samples) {
  const label = handlers.get(name)!.tree;
  const bareKey = base === undefined ? "bare" : `bare [${label}]`;
  const bare = median(samples.get(bareKey)!);
  const ns = median(xs);
  const cpu = cpuSamples.get(name)!;
  const cpuBare = cpuSamples.get(bareKey)!;
  console.log(JSON.stringify({
    variant: name,
    nsPerCall: Math.round(ns),
    addedNs: Math.round(ns - bare),
    minNs: Math.round(Math.min(...xs)),
    maxNs: Math.round(Math.max(...xs)),
    cpuNsPerCall: Math.round(median(cpu)),
    cpuAddedNs: Math.round(median(cpu) - median(cpuBare)),
    cpuMinNs: Math.round(Math.min(...cpu)),
    cpuMinAddedNs: Math.round(Math.min(...cpu) - Math.min(...cpuBare)),
  }));
}
if (trees.every(([, t]) => t.joined() < 0)) console.log("unreachable");
await sdk.shutdown();
