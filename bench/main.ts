// The Atreus benchmark suite: each Atreus row beside plain Hono, Connect-ES and (for gRPC)
// @grpc/grpc-js, measured in the same run on this machine. Server and load generator are
// pinned to different CPUs when taskset exists; each row gets a warm-up, then the median of
// several runs is reported with p50/p99 latency. Rows of a group are measured in interleaved
// rounds, so load that comes and goes on a shared machine hits all rows alike.
//
//   deno task bench                 full suite (about 45 minutes)
//   deno task bench --quick         smoke run: proves the harness works, numbers meaningless
//   deno task bench --group deno    one group: deno | bun | node | chain (Deno) | chain-bun |
//                                   chain-node | steps (Deno) | steps-bun | steps-node |
//                                   stream | grpc | ghz | client | logger | start | bundle
import { parseArgs } from "node:util";
import { create, toBinary } from "@bufbuild/protobuf";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import { benchCredentials } from "./lib/jwt.ts";
import {
  HelloRequestSchema,
  HelloStreamRequestSchema,
} from "../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { GHZ, ghz, h2load, type RequestSpec, type Sample, wrk } from "./lib/load.ts";
import { processCpuMs } from "./lib/cpu.ts";
import { command, have, pin, ROOT, type Runtime } from "./lib/runtime.ts";
import { type BenchServer, freePort, type ServerSpec, startServer } from "./lib/server.ts";
import { makeScaffold, type Scaffold } from "./lib/scaffold.ts";
import { startOnce } from "./lib/start.ts";

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
const DURATION = Number(opts.duration ?? (quick ? 1 : 5));
const WARMUP = Number(opts.warmup ?? (quick ? 0 : 2));
const CONNECTIONS = Number(opts.connections ?? (quick ? 10 : 50));
const RUNTIMES: Runtime[] = ["deno", "bun", "node"];
const RUNTIME_NAME: Record<Runtime, string> = { deno: "Deno", bun: "Bun", node: "Node 24" };

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
// A browser's cross-origin call carries an Origin; CORS rows send one.
const ORIGIN = "https://app.example";
const { secret: JWT_SECRET, token } = await benchCredentials();

const connectJson = (path = SAY, extra: Record<string, string> = {}): RequestSpec => ({
  path,
  method: "POST",
  headers: { "content-type": "application/json", ...extra },
  body: json,
});
const specs = {
  plain: connectJson("/hello"),
  connectJson: connectJson(),
  corsJson: connectJson(SAY, { origin: ORIGIN }),
  chainPlain: connectJson("/hello", { authorization: `Bearer ${token}` }),
  chainJson: connectJson(SAY, { authorization: `Bearer ${token}` }),
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

/** A row measured with wrk, h2load or ghz against a server process. */
interface ServerRow {
  readonly kind: "server";
  readonly label: string;
  /** The server; a function when it needs the generated project. */
  readonly server: ServerSpec | ((ctx: Context) => ServerSpec);
  /** The request; a function when it needs the generated project. */
  readonly spec: RequestSpec | ((ctx: Context) => RequestSpec);
  readonly load: "wrk" | "h2load" | "ghz";
  /** Messages in each response (streams): the table then shows messages per second too. */
  readonly messages?: number;
  /** The server writes a log line per call: the log file must grow. */
  readonly logs?: boolean;
  /** Label of the row this one is compared with (default: the group's first). */
  readonly ref?: string;
}

/** A row measured by a client process against a server the group starts. */
interface ClientRow {
  readonly kind: "client";
  readonly label: string;
  readonly runtime: Runtime;
  readonly client: "connect-es" | "atreus" | "middleware" | "discovery";
  readonly protocol: "connect" | "grpc";
  /** Label of the row this one is compared with (default: the group's first). */
  readonly ref?: string;
}

/** A row that runs a micro-benchmark process (the logger). */
interface MicroRow {
  readonly kind: "micro";
  readonly label: string;
  readonly runtime: Runtime;
  readonly entry: string;
  /** Label of the row this one is compared with (default: the group's first). */
  readonly ref?: string;
}

type Row = ServerRow | ClientRow | MicroRow;

/** A run, with the server's CPU time per answered request (µs) where a server was measured. */
type Measured = Sample & { readonly cpuUs?: number };

interface Context {
  readonly scaffold?: Scaffold;
  /** Servers a client group calls: `connect` and `grpc`. */
  readonly targets?: Record<"connect" | "grpc", BenchServer>;
}

interface Group {
  readonly title: string;
  readonly unit: string;
  readonly rows: Row[];
  /** What the group needs started first. */
  readonly needs?: "scaffold" | "targets";
}

const serverRow = (
  label: string,
  runtime: Runtime,
  entry: string,
  spec: ServerRow["spec"],
  { args, env, ...extra }: Partial<ServerRow> & { args?: string[]; env?: Record<string, string> } =
    {},
): ServerRow => ({
  kind: "server",
  label,
  server: { runtime, entry, args, env },
  spec,
  load: "wrk",
  ...extra,
});

function httpGroup(runtime: Runtime): Row[] {
  const bare = "Atreus Connect unary JSON (bare fast path)";
  const logged = "Atreus + recovery, metadata, logging: a line per call to a file";
  return [
    serverRow("plain Hono JSON route", runtime, "plain-hono.ts", specs.plain),
    serverRow("Connect-ES unary JSON (baseline)", runtime, "connect-es.ts", specs.connectJson),
    serverRow(bare, runtime, "atreus.ts", specs.connectJson),
    serverRow("Atreus Connect unary binary", runtime, "atreus.ts", specs.connectProto),
    serverRow("Atreus gRPC-Web unary", runtime, "atreus.ts", specs.grpcWeb),
    serverRow("Atreus + CORS (non-preflight call)", runtime, "atreus.ts", specs.corsJson, {
      args: ["--cors"],
      ref: bare,
    }),
    serverRow("Atreus + deadline (timeout: 1000)", runtime, "atreus.ts", specs.connectJson, {
      args: ["--timeout"],
      ref: bare,
    }),
    serverRow(
      "Atreus + recovery, metadata, logging (discarding sink)",
      runtime,
      "atreus.ts",
      specs.connectJson,
      { args: ["--middleware"], ref: bare },
    ),
    serverRow(logged, runtime, "atreus.ts", specs.connectJson, {
      args: ["--log"],
      logs: true,
      ref: bare,
    }),
    serverRow("Atreus + the same with caller", runtime, "atreus.ts", specs.connectJson, {
      args: ["--log", "--caller"],
      logs: true,
      ref: logged,
    }),
    serverRow(
      "Atreus + the same at level warn (the line is filtered out)",
      runtime,
      "atreus.ts",
      specs.connectJson,
      { args: ["--log", "--dropped"], ref: bare },
    ),
    serverRow(
      "helloworld as shipped (CORS, deadline, middleware, logfmt to a file)",
      runtime,
      "helloworld.ts",
      specs.corsJson,
      { logs: true },
    ),
    {
      kind: "server",
      label: "a project made by atreus new (as generated)",
      server: (ctx) => {
        const port = freePort();
        return { runtime, entry: ctx.scaffold!.main, env: ctx.scaffold!.env(port), port };
      },
      spec: (ctx) => connectJson(ctx.scaffold!.sayHello),
      load: "wrk",
      logs: true,
    },
  ];
}

/**
 * A group that builds a server up one step per row: plain Hono, the server at `--upto 0`, then
 * each step added, each row against the one above; `logsFrom` is the first step that logs.
 */
function builtUp(runtime: Runtime, o: {
  entry: string;
  bare: string;
  steps: string[];
  spec: RequestSpec;
  plain: RequestSpec;
  logsFrom: number;
  env?: Record<string, string>;
}): Row[] {
  const label = (i: number) => i < 0 ? o.bare : `+ ${o.steps[i]}`;
  return [
    serverRow("plain Hono JSON route", runtime, "plain-hono.ts", o.plain),
    serverRow(label(-1), runtime, o.entry, o.spec, { args: ["--upto", "0"], env: o.env }),
    ...o.steps.map((_, i) =>
      serverRow(label(i), runtime, o.entry, o.spec, {
        args: ["--upto", String(i + 1)],
        env: o.env,
        logs: i >= o.logsFrom,
        ref: label(i - 1),
      })
    ),
  ];
}

function chainGroup(runtime: Runtime): Row[] {
  return builtUp(runtime, {
    entry: "chain.ts",
    bare: "Atreus bare fast path",
    steps: [
      "recovery",
      "metadata",
      "logging (a line per call to a file)",
      "tracing (OTel SDK, batch span processor)",
      "metrics (into the registry)",
      "protovalidate",
      "JWT auth (remembered token)",
      "BBR rate limiting",
    ],
    spec: specs.chainJson,
    plain: specs.chainPlain,
    logsFrom: 2,
    env: { BENCH_JWT_SECRET: JWT_SECRET },
  });
}

function stepsGroup(runtime: Runtime): Row[] {
  const steps = [
    'CORS for "*" (an Origin on every call)',
    "the 1 s deadline",
    "OpenAPI, Swagger UI, web page and /metrics routes",
    "recovery",
    "tracing (no SDK)",
    "metrics (into the registry)",
    "metadata",
    "logging (logfmt to a file)",
    "the App (service.* fields on every line)",
  ];
  return [
    ...builtUp(runtime, {
      entry: "helloworld_steps.ts",
      bare: "helloworld's Greeter, bare fast path",
      steps,
      spec: specs.corsJson,
      plain: specs.plain,
      logsFrom: 7,
    }),
    serverRow(
      "helloworld as shipped (+ its config, hot reload, setupTracing)",
      runtime,
      "helloworld.ts",
      specs.corsJson,
      { logs: true, ref: `+ ${steps[steps.length - 1]}` },
    ),
  ];
}

function clientGroup(): Row[] {
  const rows: Row[] = [];
  for (const runtime of RUNTIMES) {
    for (const protocol of ["connect", "grpc"] as const) {
      const via = protocol === "connect" ? "Connect over fetch" : "gRPC over node:http2";
      const name = RUNTIME_NAME[runtime];
      const ref = `${name}, ${via}: Connect-ES transport`;
      rows.push(
        {
          kind: "client",
          label: ref,
          runtime,
          client: "connect-es",
          protocol,
          ref,
        },
        {
          kind: "client",
          label: `${name}, ${via}: createClient (defaults)`,
          runtime,
          client: "atreus",
          protocol,
          ref,
        },
        {
          kind: "client",
          label: `${name}, ${via}: createClient + metadata, circuit breaker, retry`,
          runtime,
          client: "middleware",
          protocol,
          ref,
        },
        {
          kind: "client",
          label: `${name}, ${via}: createClient + discovery + p2c balancer`,
          runtime,
          client: "discovery",
          protocol,
          ref,
        },
      );
    }
  }
  return rows;
}

const streamRow = (label: string, runtime: Runtime, entry: string, grpc: boolean): ServerRow =>
  serverRow(label, runtime, entry, grpc ? specs.grpcStream : specs.connectStream, {
    args: grpc ? ["--grpc"] : undefined,
    load: grpc ? "h2load" : "wrk",
    messages: STREAM_MESSAGES,
  });

const DENO_HTTP2_BARE = "bare node:http2 handler, fixed reply, Deno (the ceiling)";

const grpcRow = (label: string, runtime: Runtime, entry: string, args?: string[]): ServerRow =>
  serverRow(label, runtime, entry, specs.grpc, { args, load: "h2load" });

const chainOn = (runtime: Runtime): Group => ({
  title: `Production chain on ${
    RUNTIME_NAME[runtime]
  }, one middleware more per row (each row × the one above)`,
  unit: "req/s",
  rows: chainGroup(runtime),
});

const stepsOn = (runtime: Runtime): Group => ({
  title: `helloworld built up on ${
    RUNTIME_NAME[runtime]
  }, one shipped option more per row (each row × the one above)`,
  unit: "req/s",
  rows: stepsGroup(runtime),
});

const groups: Record<string, Group> = {
  deno: {
    title: "Deno.serve (HTTP/1.1, wrk)",
    unit: "req/s",
    rows: httpGroup("deno"),
    needs: "scaffold",
  },
  bun: {
    title: "Bun.serve (HTTP/1.1, wrk)",
    unit: "req/s",
    rows: httpGroup("bun"),
    needs: "scaffold",
  },
  node: {
    title: "Node 24 (HTTP/1.1, wrk)",
    unit: "req/s",
    rows: httpGroup("node"),
    needs: "scaffold",
  },
  chain: chainOn("deno"),
  "chain-bun": chainOn("bun"),
  "chain-node": chainOn("node"),
  steps: stepsOn("deno"),
  "steps-bun": stepsOn("bun"),
  "steps-node": stepsOn("node"),
  stream: {
    title: `Server streaming, ${STREAM_MESSAGES} messages per call`,
    unit: "streams/s",
    rows: [
      streamRow("Connect-ES Connect stream, Deno (baseline)", "deno", "connect-es.ts", false),
      streamRow("Atreus Connect stream, Deno", "deno", "atreus.ts", false),
      streamRow("Atreus Connect stream, Node 24", "node", "atreus.ts", false),
      streamRow("Atreus Connect stream, Bun", "bun", "atreus.ts", false),
      streamRow("Atreus gRPC stream, Node 24", "node", "atreus.ts", true),
      streamRow("Atreus gRPC stream, Deno", "deno", "atreus.ts", true),
    ],
  },
  grpc: {
    title: "gRPC unary over h2c (h2load -m10)",
    unit: "req/s",
    rows: [
      grpcRow("@grpc/grpc-js server, Node 24", "node", "grpcjs.ts"),
      grpcRow("connect-node adapter, Node 24 (baseline)", "node", "connect-node-grpc.ts"),
      // Lab rows are bare Atreus (no middleware, logs discarded); the as-shipped rows import
      // helloworld's gRPC server with its config, middleware and logfmt logger writing to a file.
      grpcRow("Atreus gRPC, Node 24 (lab: bare)", "node", "atreus.ts", ["--grpc"]),
      {
        ...grpcRow(
          "helloworld gRPC as shipped, Node 24 (middleware, deadline, logfmt to a file)",
          "node",
          "helloworld.ts",
          ["--grpc"],
        ),
        logs: true,
      },
      // Deno's node:http2 is the ceiling there: that row compares with the bare handler.
      {
        ...grpcRow(
          "Atreus gRPC, Deno (lab: bare; × the bare node:http2 handler on Deno)",
          "deno",
          "atreus.ts",
          [
            "--grpc",
          ],
        ),
        ref: DENO_HTTP2_BARE,
      },
      {
        ...grpcRow(
          "helloworld gRPC as shipped, Deno (× the bare node:http2 handler on Deno)",
          "deno",
          "helloworld.ts",
          ["--grpc"],
        ),
        logs: true,
        ref: DENO_HTTP2_BARE,
      },
      grpcRow("Atreus gRPC, Bun (lab: bare)", "bun", "atreus.ts", ["--grpc"]),
      {
        ...grpcRow(
          "helloworld gRPC as shipped, Bun (middleware, deadline, logfmt to a file)",
          "bun",
          "helloworld.ts",
          ["--grpc"],
        ),
        logs: true,
      },
      grpcRow(DENO_HTTP2_BARE, "deno", "http2-bare.ts"),
    ],
  },
  ghz: {
    title: "gRPC unary from a grpc-go client (ghz, 10 calls in flight per connection)",
    unit: "req/s",
    rows: [
      serverRow("@grpc/grpc-js server, Node 24", "node", "grpcjs.ts", specs.grpc, { load: "ghz" }),
      serverRow("Atreus gRPC, Node 24", "node", "atreus.ts", specs.grpc, {
        args: ["--grpc"],
        load: "ghz",
      }),
      serverRow("Atreus gRPC, Deno", "deno", "atreus.ts", specs.grpc, {
        args: ["--grpc"],
        load: "ghz",
      }),
    ],
  },
  client: {
    title:
      "Client unary calls/s, 50 in flight, against one Atreus server on Bun (each block × its Connect-ES row)",
    unit: "calls/s",
    rows: clientGroup(),
    needs: "targets",
  },
  logger: {
    title: "Logger: access-log logfmt lines into a file (stdout redirected), p50/p99 of one log()",
    unit: "lines/s",
    rows: RUNTIMES.map((runtime): MicroRow => ({
      kind: "micro",
      label: `createLogger logfmt → file, ${RUNTIME_NAME[runtime]}`,
      runtime,
      entry: "bench/micro/logger.ts",
    })),
  },
};

/** The index of the row `row` is compared with: the row labelled `row.ref`, else the first. */
function refIndex(group: Group, row: Row): number {
  if (row.ref === undefined) return 0;
  const index = group.rows.findIndex((other) => other.label === row.ref);
  if (index < 0) throw new Error(`bench: row "${row.label}" refers to a missing row "${row.ref}"`);
  return index;
}

// A misspelt reference fails at once, not after the group's minutes of measuring.
for (const group of Object.values(groups)) group.rows.forEach((row) => refIndex(group, row));

// Rows of a group are measured in rounds (every row once per round, in turn), so load that
// comes and goes on a shared machine hits all rows alike instead of skewing one of them.
async function measureGroup(
  group: Group,
  ctx: Context,
): Promise<{ median: Sample; runs: Measured[]; cpuUs?: number }[]> {
  const rows = group.rows;
  let servers: (BenchServer | undefined)[] = [];
  try {
    // Started together (they sit idle until measured); one that fails stops the others. A
    // server given a picked port (the scaffold's) starts after the rest have bound theirs: a
    // port picked while they were still binding could be given to one of them, and its row
    // would then measure that server.
    const start = (fixed: boolean) =>
      Promise.allSettled(
        rows.map((row) =>
          row.kind === "server" && (typeof row.server === "function") === fixed
            ? startServer(typeof row.server === "function" ? row.server(ctx) : row.server)
            : Promise.resolve(undefined)
        ),
      );
    const first = await start(false);
    const later = first.every((s) => s.status === "fulfilled") ? await start(true) : [];
    const settled = first.map((s, i) =>
      s.status === "fulfilled" && s.value === undefined && later[i] !== undefined ? later[i] : s
    );
    servers = settled.map((s) => s.status === "fulfilled" ? s.value : undefined);
    const failed = settled.find((s) => s.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const once = async (i: number, seconds: number, warm: boolean): Promise<Measured> => {
      const row = rows[i];
      if (row.kind === "client") return await runClient(row, ctx, seconds, warm);
      if (row.kind === "micro") return await runMicro(row, seconds);
      const server = servers[i]!;
      const spec = typeof row.spec === "function" ? row.spec(ctx) : row.spec;
      const before = row.logs ? (await Deno.stat(server.logFile)).size : 0;
      const cpuBefore = await processCpuMs(server.pid);
      const sample = row.load === "wrk"
        ? await wrk(server.port, spec, seconds, CONNECTIONS)
        : row.load === "h2load"
        ? await h2load(server.port, spec, seconds, CONNECTIONS)
        : await ghz(server.port, GHZ_CALL, seconds, CONNECTIONS);
      const cpuAfter = await processCpuMs(server.pid);
      // A server that died under load fails its group with why, not with a row of n/a.
      const gone = await server.gone();
      if (gone) throw new Error(`${row.label}: ${gone}`);
      const answered = sample.rps * seconds;
      const cpuUs = cpuBefore !== undefined && cpuAfter !== undefined && answered > 0
        ? (cpuAfter - cpuBefore) * 1000 / answered
        : undefined;
      if (row.logs && (await Deno.stat(server.logFile)).size <= before) {
        // A row that claims a log line per call must have written some.
        return { ...sample, cpuUs, errors: sample.errors + 1 };
      }
      return { ...sample, cpuUs };
    };
    if (WARMUP > 0) {
      for (let i = 0; i < rows.length; i++) {
        if (rows[i].kind === "server") await once(i, WARMUP, true);
      }
    }
    const runs: Measured[][] = rows.map(() => []);
    for (let r = 0; r < RUNS; r++) {
      for (let i = 0; i < rows.length; i++) runs[i].push(await once(i, DURATION, WARMUP > 0));
    }
    return runs.map((samples) => {
      const sorted = [...samples].sort((a, b) => a.rps - b.rps);
      const cpu = samples.map((s) => s.cpuUs).filter((c): c is number => c !== undefined)
        .sort((a, b) => a - b);
      return {
        median: sorted[Math.floor(sorted.length / 2)],
        runs: samples,
        cpuUs: cpu.length ? cpu[Math.floor(cpu.length / 2)] : undefined,
      };
    });
  } finally {
    for (const s of servers) await s?.stop();
  }
}

async function runProcess(runtime: Runtime, entry: string, args: string[], cpu: number) {
  const [cmd, cmdArgs] = command(runtime, `${ROOT}${entry}`);
  const full = [...await pin(cpu), cmd, ...cmdArgs, ...args];
  const out = await new Deno.Command(full[0], {
    args: full.slice(1),
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(300_000),
  }).output();
  return {
    success: out.success,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

function parseSample(text: string, what: string): Sample {
  const line = text.trim().split("\n").findLast((l) => l.startsWith("{"));
  if (line === undefined) throw new Error(`${what}: no result:\n${text}`);
  const r = JSON.parse(line) as Sample;
  return { rps: r.rps, p50: r.p50, p99: r.p99, errors: r.errors };
}

async function runClient(row: ClientRow, ctx: Context, seconds: number, warm: boolean) {
  const target = ctx.targets![row.protocol];
  const out = await runProcess(row.runtime, "bench/clients/unary.ts", [
    "--client",
    row.client,
    "--protocol",
    row.protocol,
    "--url",
    `http://127.0.0.1:${target.port}`,
    "--seconds",
    String(seconds),
    "--warmup",
    warm ? "1" : "0",
    "--concurrency",
    String(CONNECTIONS),
  ], 0);
  if (!out.success) throw new Error(`${row.label}: client failed:\n${out.stderr}`);
  // The client's own CPU per call: the steadier measure, as the server's is for server rows.
  const line = out.stdout.trim().split("\n").findLast((l) => l.startsWith("{"));
  const cpu = (JSON.parse(line ?? "{}") as { cpuUsPerCall?: number }).cpuUsPerCall;
  return { ...parseSample(out.stdout, row.label), cpuUs: Number.isFinite(cpu) ? cpu : undefined };
}

// The logger micro-benchmark writes its lines to stdout: a file here, as a service's would be.
async function runMicro(row: MicroRow, seconds: number): Promise<Sample> {
  const file = await Deno.makeTempFile({ prefix: "atreus-bench-lines-" });
  try {
    const [cmd, cmdArgs] = command(row.runtime, `${ROOT}${row.entry}`);
    const full = [...await pin(1), cmd, ...cmdArgs, "--seconds", String(seconds)];
    const out = await new Deno.Command("sh", {
      args: ["-c", 'exec "$@" > "$ATREUS_BENCH_LOG"', "sh", ...full],
      env: { ATREUS_BENCH_LOG: file },
      cwd: ROOT,
      stdout: "null",
      stderr: "piped",
      signal: AbortSignal.timeout(300_000),
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    if (!out.success) throw new Error(`${row.label}: failed:\n${stderr}`);
    const sample = parseSample(stderr, row.label);
    // log() latency is reported in ms like every other column.
    return sample;
  } finally {
    await Deno.remove(file).catch(() => {});
  }
}

const fmt = (n: number, digits = 0) =>
  !Number.isFinite(n) ? "n/a" : digits ? n.toFixed(digits) : Math.round(n).toLocaleString("en-US");
const ms = (n: number) => Number.isFinite(n) ? (n < 0.1 ? n.toFixed(4) : n.toFixed(2)) : "n/a";

async function printGroup(name: string, group: Group, ctx: Context): Promise<number> {
  console.log(`## ${group.title}\n`);
  const servers = group.rows.some((row) => row.kind === "server");
  const clients = group.rows.some((row) => row.kind === "client");
  const cpuHead = servers
    ? " server CPU µs/req (median) | × reference by CPU |"
    : clients
    ? " client CPU µs/call (median) | × reference by CPU |"
    : "";
  console.log(
    `| row | ${group.unit} (median) | × reference |${cpuHead} p50 ms | p99 ms | errors | ` +
      `runs (${group.unit}) |`,
  );
  console.log(`|---|---:|---:|${servers || clients ? "---:|---:|" : ""}---:|---:|---:|---|`);
  let results: Awaited<ReturnType<typeof measureGroup>>;
  try {
    results = await measureGroup(group, ctx);
  } catch (error) {
    console.log(`| ${name} | failed: ${String(error).split("\n")[0]} | | | | | |\n`);
    console.error(error);
    return 1;
  }
  let failures = 0;
  group.rows.forEach((row, i) => {
    const { median, runs } = results[i];
    const ref = refIndex(group, row);
    const reference = results[ref].median.rps;
    const errors = runs.reduce((n, r) => n + r.errors, 0);
    if (errors > 0 || !(median.rps > 0)) failures++;
    const messages = row.kind === "server" ? row.messages : undefined;
    const label = messages ? `${row.label} — ${fmt(median.rps * messages)} msg/s` : row.label;
    const refNote = ref === i ? "1.00" : fmt(median.rps / reference, 2);
    let cpuCells = "";
    if (servers || clients) {
      const cpu = results[i].cpuUs;
      const refCpu = results[ref].cpuUs;
      // Less CPU per request (or call) is faster, so the ratio is the reference's over this row's.
      const cpuRatio = cpu === undefined || refCpu === undefined
        ? "n/a"
        : ref === i
        ? "1.00"
        : fmt(refCpu / cpu, 2);
      cpuCells = ` ${cpu === undefined ? "n/a" : fmt(cpu, 1)} | ${cpuRatio} |`;
    }
    console.log(
      `| ${label} | ${fmt(median.rps)} | ${refNote} |${cpuCells} ${ms(median.p50)} | ` +
        `${ms(median.p99)} | ${errors} | ${runs.map((r) => fmt(r.rps)).join(", ")} |`,
    );
  });
  console.log("");
  return failures;
}

// Cold start: process start → first answered call, then resident memory once idle. The CPU
// time the process used until that answer is reported too: on a shared machine it moves far
// less than the wall time. Node also runs with its compile cache (NODE_COMPILE_CACHE, filled by
// one start before the timed ones), which caches the TypeScript it transforms and V8's code as
// Deno's module cache always does; Bun keeps no cache between starts.
async function coldStart(): Promise<number> {
  console.log("## Cold start: process start → first answered call (gRPC off); idle RSS\n");
  console.log(
    "| row | first call ms (median) | × plain Hono | CPU ms to first call (median) | × plain Hono | " +
      "idle RSS MB (median) | runs (ms) |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---|");
  const tries = quick ? 1 : Math.max(5, RUNS);
  let failures = 0;
  const variants: [Runtime, string, boolean][] = RUNTIMES.flatMap((
    r,
  ): [Runtime, string, boolean][] =>
    r === "node"
      ? [[r, RUNTIME_NAME[r], false], [r, `${RUNTIME_NAME[r]} (compile cache)`, true]]
      : [[r, RUNTIME_NAME[r], false]]
  );
  for (const [runtime, name, compileCache] of variants) {
    let reference = { ms: NaN, cpu: NaN };
    for (
      const [label, entry, path] of [
        ["plain Hono JSON route", "plain-hono.ts", "/hello"],
        ["helloworld as shipped", "helloworld.ts", SAY],
      ] as const
    ) {
      const times: number[] = [];
      const cpu: number[] = [];
      const rss: number[] = [];
      const cache = compileCache
        ? await Deno.makeTempDir({ prefix: "atreus-bench-compile-cache-" })
        : undefined;
      const env: Record<string, string> = cache === undefined ? {} : { NODE_COMPILE_CACHE: cache };
      try {
        // Node writes its compile cache when it exits, so this start is stopped gracefully.
        if (cache !== undefined) await startOnce(runtime, entry, path, { env, graceful: true });
        for (let t = 0; t < tries; t++) {
          const run = await startOnce(runtime, entry, path, { env });
          times.push(run.ms);
          cpu.push(run.cpuMs);
          rss.push(run.rssMb);
        }
      } catch (error) {
        failures++;
        console.log(
          `| ${name}: ${label} | failed: ${String(error).split("\n")[0]} | | | | | |`,
        );
        continue;
      } finally {
        if (cache !== undefined) await Deno.remove(cache, { recursive: true }).catch(() => {});
      }
      const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
      const first = { ms: median(times), cpu: median(cpu) };
      if (entry === "plain-hono.ts") reference = first;
      console.log(
        `| ${name}: ${label} | ${fmt(first.ms)} | ${fmt(first.ms / reference.ms, 2)} | ` +
          `${fmt(first.cpu)} | ${fmt(first.cpu / reference.cpu, 2)} | ` +
          `${fmt(median(rss), 1)} | ${times.map((t) => fmt(t)).join(", ")} |`,
      );
    }
  }
  console.log("");
  return failures;
}

// The Workers bundle exactly as `deno task build:worker` makes it, minified, then gzipped.
async function bundleSize(): Promise<number> {
  console.log("## Workers helloworld bundle (deno task build:worker)\n");
  console.log("| bundle | minified KB | min+gzip KB | × the floor | node:* imports left |");
  console.log("|---|---:|---:|---:|---|");
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)) as {
    tasks: Record<string, string>;
  };
  const task = config.tasks["build:worker"];
  // The floor: the same service on Connect-ES's router behind Hono, with the same flags.
  const floor = await bundleRow(task.replace("examples/helloworld/worker.ts", FLOOR_WORKER));
  const shipped = await bundleRow(task);
  const rows = [
    ["examples/helloworld/worker.ts", shipped],
    [`${FLOOR_WORKER} (Connect-ES on Hono, no Atreus: the floor)`, floor],
  ] as const;
  let failures = 0;
  for (const [label, row] of rows) {
    if ("error" in row) {
      failures++;
      console.log(`| ${label} | failed: ${row.error} | | | |`);
      continue;
    }
    const ratio = "error" in floor ? "n/a" : fmt(row.gzip / floor.gzip, 2);
    console.log(
      `| ${label} | ${fmt(row.bytes / 1024, 1)} | ${fmt(row.gzip / 1024, 1)} | ${ratio} | ` +
        `${row.nodeImports.join(", ") || "none"} |`,
    );
  }
  console.log("");
  return failures;
}

const FLOOR_WORKER = "bench/workers/connect_es.ts";

/** Builds one Worker bundle with `task` (a `deno bundle` command line) and measures it. */
async function bundleRow(
  task: string,
): Promise<{ bytes: number; gzip: number; nodeImports: string[] } | { error: string }> {
  const out = await Deno.makeTempFile({ prefix: "atreus-bench-worker-", suffix: ".js" });
  try {
    const command = task.replace(/-o \S+/, `-o ${out}`).replace(/^deno /, `"${Deno.execPath()}" `);
    const built = await new Deno.Command("sh", {
      args: ["-c", command],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!built.success) throw new Error(new TextDecoder().decode(built.stderr));
    const bytes = await Deno.readFile(out);
    const gz = await new Response(
      new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip")),
    ).arrayBuffer();
    const text = new TextDecoder().decode(bytes);
    const nodeImports = [...new Set(text.match(/["']node:[a-z_/0-9]+["']/g) ?? [])]
      .map((s) => s.slice(1, -1)).sort();
    return { bytes: bytes.byteLength, gzip: gz.byteLength, nodeImports };
  } catch (error) {
    return { error: String(error).split("\n")[0] };
  } finally {
    await Deno.remove(out).catch(() => {});
  }
}

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
  const all = [...Object.keys(groups), "start", "bundle"];
  const chosen = opts.group?.length ? opts.group : all;
  for (const name of chosen) {
    if (!all.includes(name)) throw new Error(`unknown group ${name}; pick from ${all.join(", ")}`);
  }
  if (chosen.includes("ghz")) {
    try {
      await Deno.stat(GHZ);
    } catch {
      console.error(`bench: ${GHZ} is missing; build it with: sh tools/setup.sh`);
      Deno.exit(2);
    }
  }
  const load = await Deno.readTextFile("/proc/loadavg").then((l) =>
    l.split(" ").slice(0, 3).join(" ")
  )
    .catch(() => "n/a");
  console.log(
    `# Atreus bench — ${new Date().toISOString()}, ${navigator.hardwareConcurrency} CPUs, ` +
      `load average ${load}, ${RUNS} run(s) × ${DURATION}s after ${WARMUP}s warm-up, ` +
      `${CONNECTIONS} connections\n`,
  );
  let failures = 0;
  let scaffold: Scaffold | undefined;
  try {
    if (chosen.some((n) => groups[n]?.needs === "scaffold")) scaffold = await makeScaffold();
    for (const name of chosen) {
      if (name === "start") {
        failures += await coldStart();
        continue;
      }
      if (name === "bundle") {
        failures += await bundleSize();
        continue;
      }
      const group = groups[name];
      let targets: Context["targets"];
      if (group.needs === "targets") {
        targets = {
          connect: await startServer({ runtime: "bun", entry: "atreus.ts" }),
          grpc: await startServer({ runtime: "bun", entry: "atreus.ts", args: ["--grpc"] }),
        };
      }
      try {
        failures += await printGroup(name, group, { scaffold, targets });
      } finally {
        await targets?.connect.stop();
        await targets?.grpc.stop();
      }
    }
  } finally {
    await scaffold?.remove();
  }
  const after = await Deno.readTextFile("/proc/loadavg").then((l) =>
    l.split(" ").slice(0, 3).join(" ")
  )
    .catch(() => "n/a");
  console.log(`load average at the end: ${after}`);
  if (failures > 0) {
    console.error(`bench: ${failures} row(s) failed or saw errors`);
    Deno.exit(1);
  }
}

await main();
