// Paired A/B of benchmark servers by server CPU per answered request: wrk runs each variant in
// turn, round after round, so load that comes and goes on a shared machine hits them alike, and
// the ratio is taken within each round (the first variant's CPU over this one's) before the
// median across rounds. A step of a built-up group that moves by a few percent between whole
// bench runs is settled here. Every request is helloworld's SayHello in Connect JSON with an
// Origin and a Bearer token (signed with the BENCH_JWT_SECRET every server is given), so the same
// request suits the helloworld, steps, chain and plain rows.
//
//   deno run -A --config deno.json bench/tools/server_ab.ts [--rounds 7] [--seconds 4]
//     --variant 'name=runtime:entry[@path] [args...]' --variant ... [--scaffold deno|bun|node]
//
// e.g. --variant 'app=deno:helloworld_steps.ts --upto 9' --variant 'shipped=deno:helloworld.ts'
// (entries are files in bench/servers/; --scaffold adds a project made by `atreus new`).
import { parseArgs } from "node:util";
import { processCpuMs } from "../lib/cpu.ts";
import { benchCredentials } from "../lib/jwt.ts";
import { type RequestSpec, wrk } from "../lib/load.ts";
import type { Runtime } from "../lib/runtime.ts";
import { makeScaffold } from "../lib/scaffold.ts";
import { type BenchServer, freePort, type ServerSpec, startServer } from "../lib/server.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    variant: { type: "string", multiple: true, default: [] },
    scaffold: { type: "string" },
    rounds: { type: "string", default: "7" },
    seconds: { type: "string", default: "4" },
    connections: { type: "string", default: "50" },
  },
});
const RUNTIMES: readonly string[] = ["deno", "bun", "node"];
const count = (name: string, text: string) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) {
    throw new TypeError(`--${name} must be a positive integer, got ${JSON.stringify(text)}`);
  }
  return n;
};
const rounds = count("rounds", values.rounds);
const seconds = count("seconds", values.seconds);
const connections = count("connections", values.connections);
const SAY = "/helloworld.v1.Greeter/SayHello";
const { secret, token } = await benchCredentials();

interface Variant {
  readonly name: string;
  readonly spec: ServerSpec;
  readonly path: string;
}

function parseVariant(text: string): Variant {
  const m = text.match(/^([^=]+)=(\w+):([^\s@]+)(?:@(\S+))?((?:\s+\S+)*)$/);
  if (!m || !RUNTIMES.includes(m[2])) {
    throw new TypeError(
      `--variant ${JSON.stringify(text)}: expected name=runtime:entry[@path] [args...] ` +
        `with runtime deno, bun or node`,
    );
  }
  const args = m[5].trim() === "" ? [] : m[5].trim().split(/\s+/);
  return {
    name: m[1],
    spec: { runtime: m[2] as Runtime, entry: m[3], args, env: { BENCH_JWT_SECRET: secret } },
    path: m[4] ?? SAY,
  };
}

const variants = values.variant.map(parseVariant);
if (values.scaffold !== undefined && !RUNTIMES.includes(values.scaffold)) {
  throw new TypeError(`--scaffold must be deno, bun or node, got ${values.scaffold}`);
}
if (variants.length + (values.scaffold ? 1 : 0) < 2) {
  console.error("usage: server_ab.ts --variant name=runtime:entry[@path] [args] (two or more)");
  Deno.exit(2);
}
const scaffold = values.scaffold ? await makeScaffold() : undefined;
const servers: BenchServer[] = [];
try {
  if (scaffold) {
    const port = freePort();
    variants.push({
      name: `atreus new (${values.scaffold})`,
      spec: {
        runtime: values.scaffold as Runtime,
        entry: scaffold.main,
        env: scaffold.env(port),
        port,
      },
      path: scaffold.sayHello,
    });
  }
  for (const v of variants) servers.push(await startServer(v.spec));
  const request = (path: string): RequestSpec => ({
    path,
    method: "POST",
    headers: {
      "content-type": "application/json",
      origin: "https://app.example",
      authorization: `Bearer ${token}`,
    },
    body: new TextEncoder().encode('{"name":"bench"}'),
  });
  const once = async (i: number, s: number) => {
    const before = await processCpuMs(servers[i].pid);
    const sample = await wrk(servers[i].port, request(variants[i].path), s, connections);
    const after = await processCpuMs(servers[i].pid);
    const gone = await servers[i].gone();
    if (gone) throw new Error(gone);
    if (sample.errors > 0) throw new Error(`${variants[i].name}: ${sample.errors} failed calls`);
    if (before === undefined || after === undefined) throw new Error("no /proc CPU times");
    return { cpuUs: (after - before) * 1000 / (sample.rps * s), rps: sample.rps };
  };
  for (let i = 0; i < servers.length; i++) await once(i, 2); // JIT warm-up
  const cpu: number[][] = variants.map(() => []);
  const rps: number[][] = variants.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < servers.length; i++) {
      const s = await once(i, seconds);
      cpu[i].push(s.cpuUs);
      rps[i].push(s.rps);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    `| variant | server CPU µs/req (median) | × ${variants[0].name} by CPU, paired ` +
      `(median, range) | req/s (median) |`,
  );
  console.log("|---|---:|---:|---:|");
  variants.forEach((v, i) => {
    const ratios = cpu[i].map((c, r) => cpu[0][r] / c);
    console.log(
      `| ${v.name} | ${median(cpu[i]).toFixed(1)} | ${median(ratios).toFixed(2)} ` +
        `(${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}) | ` +
        `${Math.round(median(rps[i])).toLocaleString("en-US")} |`,
    );
  });
} finally {
  for (const s of servers) await s.stop();
  await scaffold?.remove();
}
