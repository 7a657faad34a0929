// Server CPU per gRPC unary call (SayHello over h2c, h2load -c50 -m10 with a fixed number of
// requests), Atreus's gRPC server against @grpc/grpc-js, and with --base DIR the same server of
// another checkout: an A/B of a change. Servers run one at a time, interleaved in rounds, pinned
// to CPU 1 (h2load to CPU 0); each block prints the server's utime + stime per answered call,
// which stays steady when the machine is shared. Prints one JSON line per variant: the median µs
// per call over the rounds, with the lowest and highest, and the median over rounds of its CPU
// per call divided by the first variant's in the same round.
//   deno run -A bench/micro/grpc.ts [--runtime node|deno|bun] [--requests N] [--rounds R]
//     [--base DIR] [--no-grpcjs] [--bare] [--fresh]
import { parseArgs } from "node:util";
import { create, toBinary } from "@bufbuild/protobuf";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import { HelloRequestSchema } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { processCpuMs } from "../lib/cpu.ts";
import { pin, ROOT, type Runtime } from "../lib/runtime.ts";
import { type BenchServer, startServer } from "../lib/server.ts";

const { values: opts } = parseArgs({
  args: Deno.args,
  options: {
    runtime: { type: "string", default: "node" },
    requests: { type: "string", default: "40000" },
    rounds: { type: "string", default: "5" },
    base: { type: "string" },
    "no-grpcjs": { type: "boolean", default: false },
    bare: { type: "boolean", default: false },
    fresh: { type: "boolean", default: false },
  },
});
const runtime = opts.runtime as Runtime;
const requests = Number(opts.requests);
const rounds = Number(opts.rounds);

const body = encodeEnvelope(
  0,
  toBinary(HelloRequestSchema, create(HelloRequestSchema, { name: "bench" })),
);
const bodyFile = await Deno.makeTempFile({ prefix: "atreus-grpc-ab-" });
await Deno.writeFile(bodyFile, body);

interface Variant {
  readonly name: string;
  readonly runtime: Runtime;
  readonly entry: string;
  readonly args?: string[];
}
const variants: Variant[] = [
  { name: "atreus", runtime, entry: `${ROOT}bench/servers/atreus.ts`, args: ["--grpc"] },
];
if (opts.base !== undefined) {
  variants.push({
    name: "base atreus",
    runtime,
    entry: `${opts.base}/bench/servers/atreus.ts`,
    args: ["--grpc"],
  });
}
if (!opts["no-grpcjs"]) {
  variants.push({
    name: "grpc-js (node)",
    runtime: "node",
    entry: `${ROOT}bench/servers/grpcjs.ts`,
  });
}
if (opts.bare) {
  variants.push({ name: "bare node:http2", runtime, entry: `${ROOT}bench/servers/http2-bare.ts` });
}

const loadPin = await pin(0);

async function h2load(port: number, n: number): Promise<number> {
  const out = await new Deno.Command(loadPin[0] ?? "h2load", {
    args: [
      ...loadPin.slice(1),
      ...(loadPin.length > 0 ? ["h2load"] : []),
      "-n",
      String(n),
      "-c",
      "50",
      "-m",
      "10",
      "-d",
      bodyFile,
      "-H",
      "content-type: application/grpc",
      "-H",
      "te: trailers",
      `http://127.0.0.1:${port}/helloworld.v1.Greeter/SayHello`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const m = text.match(/requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded/);
  return m ? Number(m[1]) : 0; // no summary: the server died
}

async function block(server: BenchServer): Promise<number> {
  const before = await processCpuMs(server.pid);
  const ok = await h2load(server.port, requests);
  const after = await processCpuMs(server.pid);
  if (before === undefined) return NaN; // the server is gone (or there is no /proc)
  // Deno's node:http2 has aborted under this load (an nghttp2 assertion): the block is lost.
  if (after === undefined || ok === 0) return NaN;
  return (after - before) * 1000 / ok;
}

const results = new Map<string, number[]>(variants.map((v) => [v.name, []]));
const start = (v: Variant) => startServer({ runtime: v.runtime, entry: v.entry, args: v.args });
const warmUp = (s: BenchServer) => h2load(s.port, Math.min(requests, 20_000)); // JIT
// All servers stay up (idle when not measured): a start on Node costs seconds of CPU. With
// --fresh each block gets a new server instead: Deno's node:http2 has aborted (an nghttp2
// assertion as h2load's connections close) after a run or two.
const servers: BenchServer[] = [];
try {
  if (!opts.fresh) {
    for (const v of variants) servers.push(await start(v));
    for (const s of servers) await warmUp(s);
  }
  for (let r = 0; r < rounds; r++) {
    for (const [i, v] of variants.entries()) {
      if (!opts.fresh) {
        results.get(v.name)!.push(await block(servers[i]));
        continue;
      }
      const server = await start(v);
      try {
        await warmUp(server);
        results.get(v.name)!.push(await block(server));
      } finally {
        await server.stop();
      }
    }
  }
} finally {
  for (const s of servers) await s.stop();
  await Deno.remove(bodyFile);
}
// Rounds are interleaved, so each round's ratio to the first variant is a paired comparison:
// its median is steadier than the ratio of medians when the machine's load moves.
const first = results.get(variants[0].name)!;
const paired = (all: number[]) => {
  const ratios = all.map((us, i) => us / first[i]).filter((x) => !Number.isNaN(x));
  ratios.sort((a, b) => a - b);
  return ratios.length === 0 ? null : Number(ratios[Math.floor(ratios.length / 2)].toFixed(3));
};
for (const [name, all] of results) {
  const us = all.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (us.length === 0) {
    console.log(JSON.stringify({ variant: name, usPerCall: null, lost: all.length }));
    continue;
  }
  console.log(JSON.stringify({
    variant: name,
    usPerCall: Number(us[Math.floor(us.length / 2)].toFixed(1)),
    min: Number(us[0].toFixed(1)),
    max: Number(us[us.length - 1].toFixed(1)),
    lost: all.length - us.length,
    perRoundRatio: paired(all),
  }));
}
