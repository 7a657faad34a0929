// The Atreus benchmark suite: each Atreus row beside plain Hono, Connect-ES and (for gRPC)
// @grpc/grpc-js, measured in the same run on this machine. Server and load generator are
// pinned to different CPUs when taskset exists; each row gets a warm-up, then the median of
// several runs is reported with p50/p99 latency.
//
//   deno task bench                 full suite (about 10 minutes)
//   deno task bench --quick         smoke run: proves the harness works, numbers meaningless
//   deno task bench --group grpc    one group: deno | bun | node | stream | grpc | ghz
import { parseArgs } from "node:util";
import { create, toBinary } from "@bufbuild/protobuf";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import {
  HelloRequestSchema,
  HelloStreamRequestSchema,
} from "../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { GHZ, ghz, h2load, type RequestSpec, type Sample, wrk } from "./lib/load.ts";
import { have, type Runtime } from "./lib/runtime.ts";
import { startServer } from "./lib/server.ts";

const { values: opts } = parseArgs({
  args: Deno.args,
  options: {
    quick: { type: "boolean", default: false },
    group: { type: "string", multiple: true },
    runs: { type: "string" },
    duration: { type: "string" },
    warmup: { type: "string" },
    connections: { type: "string" },
  },
});
const quick = opts.quick;
const RUNS = Number(opts.runs ?? (quick ? 1 : 3));
const DURATION = Number(opts.duration ?? (quick ? 1 : 8));
const WARMUP = Number(opts.warmup ?? (quick ? 0 : 3));
const CONNECTIONS = Number(opts.connections ?? (quick ? 10 : 50));

const proto = toBinary(HelloRequestSchema, create(HelloRequestSchema, { name: "bench" }));
const frame = (m: Uint8Array) => encodeEnvelope(0, m);
const SAY = "/helloworld.v1.Greeter/SayHello";
const json = new TextEncoder().encode('{"name":"bench"}');
// Server streams of STREAM_MESSAGES greetings each: messages/s = streams/s × STREAM_MESSAGES.
const STREAM_MESSAGES = 100;
const STREAM_PATH = "/helloworld.v1.Greeter/SayHelloStream";
const streamProto = toBinary(
  HelloStreamRequestSchema,
  create(HelloStreamRequestSchema, { name: "bench", count: STREAM_MESSAGES }),
);
const streamJson = new TextEncoder().encode(`{"name":"bench","count":${STREAM_MESSAGES}}`);
const specs = {
  plain: {
    path: "/hello",
    method: "POST",
    headers: { "content-type": "application/json" },
    body: json,
  },
  connectJson: {
    path: SAY,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: json,
  },
  connectProto: {
    path: SAY,
    method: "POST",
    headers: { "content-type": "application/proto" },
    body: proto,
  },
  grpcWeb: {
    path: SAY,
    method: "POST",
    headers: { "content-type": "application/grpc-web+proto", "x-grpc-web": "1" },
    body: frame(proto),
  },
  grpc: {
    path: SAY,
    method: "POST",
    headers: { "content-type": "application/grpc", te: "trailers" },
    body: frame(proto),
  },
  connectStream: {
    path: STREAM_PATH,
    method: "POST",
    headers: { "content-type": "application/connect+json" },
    body: frame(streamJson),
  },
  grpcStream: {
    path: STREAM_PATH,
    method: "POST",
    headers: { "content-type": "application/grpc", te: "trailers" },
    body: frame(streamProto),
  },
} satisfies Record<string, RequestSpec>;

// What ghz sends: the same SayHello as the h2load gRPC rows, through grpc-go's client.
const GHZ_CALL = { call: "helloworld.v1.Greeter/SayHello", json: '{"name":"bench"}' };

interface Row {
  readonly label: string;
  readonly runtime: Runtime;
  readonly entry: string;
  readonly args?: string[];
  readonly spec: RequestSpec;
  readonly load: "wrk" | "h2load" | "ghz";
  /** Messages in each response (streams): the table then shows messages per second too. */
  readonly messages?: number;
}

function httpGroup(runtime: Runtime): Row[] {
  const rows: Row[] = [
    {
      label: "plain Hono JSON route",
      runtime,
      entry: "plain-hono.ts",
      spec: specs.plain,
      load: "wrk",
    },
    {
      label: "Connect-ES unary JSON (baseline)",
      runtime,
      entry: "connect-es.ts",
      spec: specs.connectJson,
      load: "wrk",
    },
    {
      label: "Atreus Connect unary JSON",
      runtime,
      entry: "atreus.ts",
      spec: specs.connectJson,
      load: "wrk",
    },
    {
      label: "Atreus Connect unary binary",
      runtime,
      entry: "atreus.ts",
      spec: specs.connectProto,
      load: "wrk",
    },
    {
      label: "Atreus gRPC-Web unary",
      runtime,
      entry: "atreus.ts",
      spec: specs.grpcWeb,
      load: "wrk",
    },
    {
      label: "Atreus Connect JSON + default middleware",
      runtime,
      entry: "atreus.ts",
      args: ["--middleware"],
      spec: specs.connectJson,
      load: "wrk",
    },
  ];
  return rows;
}

const groups: Record<string, { title: string; rows: Row[] }> = {
  deno: { title: "Deno.serve (HTTP/1.1, wrk)", rows: httpGroup("deno") },
  bun: { title: "Bun.serve (HTTP/1.1, wrk)", rows: httpGroup("bun") },
  node: { title: "Node 24 (HTTP/1.1, wrk)", rows: httpGroup("node") },
  stream: {
    title: `Server streaming, ${STREAM_MESSAGES} messages per call`,
    rows: [
      {
        label: "Connect-ES Connect stream, Deno (baseline)",
        runtime: "deno",
        entry: "connect-es.ts",
        spec: specs.connectStream,
        load: "wrk",
        messages: STREAM_MESSAGES,
      },
      {
        label: "Atreus Connect stream, Deno",
        runtime: "deno",
        entry: "atreus.ts",
        spec: specs.connectStream,
        load: "wrk",
        messages: STREAM_MESSAGES,
      },
      {
        label: "Atreus Connect stream, Node 24",
        runtime: "node",
        entry: "atreus.ts",
        spec: specs.connectStream,
        load: "wrk",
        messages: STREAM_MESSAGES,
      },
      {
        label: "Atreus Connect stream, Bun",
        runtime: "bun",
        entry: "atreus.ts",
        spec: specs.connectStream,
        load: "wrk",
        messages: STREAM_MESSAGES,
      },
      {
        label: "Atreus gRPC stream, Node 24",
        runtime: "node",
        entry: "atreus.ts",
        args: ["--grpc"],
        spec: specs.grpcStream,
        load: "h2load",
        messages: STREAM_MESSAGES,
      },
      {
        label: "Atreus gRPC stream, Deno",
        runtime: "deno",
        entry: "atreus.ts",
        args: ["--grpc"],
        spec: specs.grpcStream,
        load: "h2load",
        messages: STREAM_MESSAGES,
      },
    ],
  },
  grpc: {
    title: "gRPC unary over h2c (h2load -m10)",
    rows: [
      {
        label: "@grpc/grpc-js server, Node 24",
        runtime: "node",
        entry: "grpcjs.ts",
        spec: specs.grpc,
        load: "h2load",
      },
      {
        label: "connect-node adapter, Node 24 (baseline)",
        runtime: "node",
        entry: "connect-node-grpc.ts",
        spec: specs.grpc,
        load: "h2load",
      },
      {
        label: "Atreus gRPC, Node 24",
        runtime: "node",
        entry: "atreus.ts",
        args: ["--grpc"],
        spec: specs.grpc,
        load: "h2load",
      },
      {
        label: "Atreus gRPC, Deno",
        runtime: "deno",
        entry: "atreus.ts",
        args: ["--grpc"],
        spec: specs.grpc,
        load: "h2load",
      },
      {
        label: "Atreus gRPC, Bun",
        runtime: "bun",
        entry: "atreus.ts",
        args: ["--grpc"],
        spec: specs.grpc,
        load: "h2load",
      },
    ],
  },
  ghz: {
    title: "gRPC unary from a grpc-go client (ghz, 10 calls in flight per connection)",
    rows: [
      {
        label: "@grpc/grpc-js server, Node 24",
        runtime: "node",
        entry: "grpcjs.ts",
        spec: specs.grpc,
        load: "ghz",
      },
      {
        label: "Atreus gRPC, Node 24",
        runtime: "node",
        entry: "atreus.ts",
        args: ["--grpc"],
        spec: specs.grpc,
        load: "ghz",
      },
      {
        label: "Atreus gRPC, Deno",
        runtime: "deno",
        entry: "atreus.ts",
        args: ["--grpc"],
        spec: specs.grpc,
        load: "ghz",
      },
    ],
  },
};

// Rows of a group are measured in rounds (every row once per round, in turn), so load that
// comes and goes on a shared machine hits all rows alike instead of skewing one of them.
async function measureGroup(rows: readonly Row[]): Promise<{ median: Sample; runs: Sample[] }[]> {
  const servers: Awaited<ReturnType<typeof startServer>>[] = [];
  try {
    for (const row of rows) servers.push(await startServer(row.runtime, row.entry, row.args));
    const once = (i: number, seconds: number) => {
      const { load, spec } = rows[i];
      const port = servers[i].port;
      if (load === "wrk") return wrk(port, spec, seconds, CONNECTIONS);
      if (load === "h2load") return h2load(port, spec, seconds, CONNECTIONS);
      return ghz(port, GHZ_CALL, seconds, CONNECTIONS);
    };
    if (WARMUP > 0) { for (let i = 0; i < rows.length; i++) await once(i, WARMUP); }
    const runs: Sample[][] = rows.map(() => []);
    for (let r = 0; r < RUNS; r++) {
      for (let i = 0; i < rows.length; i++) runs[i].push(await once(i, DURATION));
    }
    return runs.map((samples) => {
      const sorted = [...samples].sort((a, b) => a.rps - b.rps);
      return { median: sorted[Math.floor(sorted.length / 2)], runs: samples };
    });
  } finally {
    for (const s of servers) await s.stop();
  }
}

const fmt = (n: number, digits = 0) => Number.isFinite(n) ? n.toFixed(digits) : "n/a";

async function main() {
  for (const tool of ["wrk", "h2load"]) {
    if (!(await have(tool))) {
      console.error(
        `bench: ${tool} is missing; install it with: apt-get install -y ${
          tool === "wrk" ? "wrk" : "nghttp2-client"
        }`,
      );
      Deno.exit(2);
    }
  }
  const chosen = opts.group?.length ? opts.group : Object.keys(groups);
  if (chosen.includes("ghz")) {
    try {
      await Deno.stat(GHZ);
    } catch {
      console.error(`bench: ${GHZ} is missing; build it with: sh tools/setup.sh`);
      Deno.exit(2);
    }
  }
  console.log(
    `# Atreus bench — ${new Date().toISOString()}, ${navigator.hardwareConcurrency} CPUs, ` +
      `${RUNS} run(s) × ${DURATION}s after ${WARMUP}s warm-up, ${CONNECTIONS} connections\n`,
  );
  let failures = 0;
  for (const name of chosen) {
    const group = groups[name];
    if (!group) {
      throw new Error(`unknown group ${name}; pick from ${Object.keys(groups).join(", ")}`);
    }
    console.log(`## ${group.title}\n`);
    console.log("| row | req/s (median) | × reference | p50 ms | p99 ms | errors | runs (req/s) |");
    console.log("|---|---:|---:|---:|---:|---:|---|");
    let results: Awaited<ReturnType<typeof measureGroup>>;
    try {
      results = await measureGroup(group.rows);
    } catch (error) {
      failures++;
      console.log(`| ${group.title} | failed: ${String(error).split("\n")[0]} | | | | | |`);
      continue;
    }
    const reference = results[0].median.rps;
    group.rows.forEach((row, i) => {
      const { median, runs } = results[i];
      const errors = runs.reduce((n, r) => n + r.errors, 0);
      if (errors > 0) failures++;
      const label = row.messages
        ? `${row.label} — ${fmt(median.rps * row.messages)} msg/s`
        : row.label;
      console.log(
        `| ${label} | ${fmt(median.rps)} | ${fmt(median.rps / reference, 2)} | ` +
          `${fmt(median.p50, 2)} | ${fmt(median.p99, 2)} | ${errors} | ` +
          `${runs.map((r) => fmt(r.rps)).join(", ")} |`,
      );
    });
    console.log("");
  }
  if (failures > 0) {
    console.error(`bench: ${failures} row(s) failed or saw errors`);
    Deno.exit(1);
  }
}

await main();
