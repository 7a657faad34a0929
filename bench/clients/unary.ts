// A client process for the client rows: `concurrency` loops of unary SayHello calls against one
// server for `seconds`, after a warm-up; prints one JSON line (calls/s, p50/p99 latency, errors)
// and the client's CPU time per call on stdout. Runs on Deno, Bun and Node.
//   --client connect-es   Connect-ES's own transport: connect-web over fetch, connect-node's
//                         gRPC transport over node:http2 (the baseline)
//   --client atreus       createClient with its defaults (a 2 s deadline, no middleware)
//   --client middleware   createClient with metadata.client(), circuitBreaker(), retry()
//   --client discovery    createClient on discovery:/// (the memory registry) with p2c()
//   --protocol connect|grpc  --url http://127.0.0.1:PORT  --seconds S  --warmup S  --concurrency C
import process from "node:process";
import { parseArgs } from "node:util";
import { createClient as connectClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { createClient } from "../../transport/client/mod.ts";
import { circuitBreaker, retry } from "../../middleware/mod.ts";
import * as metadata from "../../metadata/mod.ts";
import { memory } from "../../registry/mod.ts";
import { p2c } from "../../selector/mod.ts";

const { values: opts } = parseArgs({
  args: process.argv.slice(2),
  options: {
    client: { type: "string", default: "atreus" },
    protocol: { type: "string", default: "connect" },
    url: { type: "string" },
    seconds: { type: "string", default: "5" },
    warmup: { type: "string", default: "1" },
    concurrency: { type: "string", default: "50" },
  },
});
const url = opts.url!;
const grpc = opts.protocol === "grpc";
const endpoint = grpc ? url.replace(/^http/, "grpc") : url;

type SayHello = (req: { name: string }) => Promise<{ message: string }>;
let close = () => Promise.resolve();
let call: SayHello;
if (opts.client === "connect-es") {
  let transport: Transport;
  if (grpc) {
    const { createGrpcTransport, Http2SessionManager } = await import("@connectrpc/connect-node");
    const sessions = new Http2SessionManager(url);
    transport = createGrpcTransport({ baseUrl: url, sessionManager: sessions });
    close = () => Promise.resolve(sessions.abort());
  } else {
    transport = createConnectTransport({ baseUrl: url, useBinaryFormat: true });
  }
  const client = connectClient(Greeter, transport);
  call = (req) => client.sayHello(req);
} else {
  const registry = memory();
  if (opts.client === "discovery") {
    await registry.register({
      id: "bench-1",
      name: "greeter",
      version: "v1",
      metadata: {},
      endpoints: [endpoint],
    });
  }
  const client = createClient(Greeter, {
    endpoint: opts.client === "discovery" ? "discovery:///greeter" : endpoint,
    protocol: grpc ? "grpc" : "connect",
    discovery: registry,
    balancer: opts.client === "discovery" ? p2c() : undefined,
    middleware: opts.client === "middleware"
      ? [metadata.client(), circuitBreaker(), retry()]
      : undefined,
  });
  call = (req) => client.sayHello(req);
  close = async () => {
    await client.close();
    await registry.close();
  };
}

async function drive(seconds: number, record: boolean) {
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  const loop = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        await call({ name: "bench" });
        if (record) latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Number(opts.concurrency) }, loop));
  return { latencies, errors, elapsed: (performance.now() - started) / 1000 };
}

if (Number(opts.warmup) > 0) await drive(Number(opts.warmup), false);
const cpuBefore = process.cpuUsage();
const { latencies, errors, elapsed } = await drive(Number(opts.seconds), true);
// The client's own CPU per call (user + system, µs): steadier than calls/s on a shared machine.
const cpu = process.cpuUsage(cpuBefore);
latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))];
process.stdout.write(
  JSON.stringify({
    rps: latencies.length / elapsed,
    p50: pct(0.5) ?? NaN,
    p99: pct(0.99) ?? NaN,
    errors,
    cpuUsPerCall: (cpu.user + cpu.system) / Math.max(1, latencies.length),
  }) + "\n",
);
await close();
process.exit(0);
