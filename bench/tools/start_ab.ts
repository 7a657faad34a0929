// Cold starts of this tree against another (`--base DIR`), interleaved so load that comes and
// goes on a shared machine hits both alike: helloworld as shipped, and with --hono plain Hono
// from both trees (each tree's deno.json applies to it too); median CPU ms to the first answered
// call and idle RSS per row, by the start group's own measurement (bench/lib/start.ts).
//
//   deno run -A bench/tools/start_ab.ts --base ../main [--runs 9] [--runtime deno|bun|node] [--hono]
import { parseArgs } from "node:util";
import { ROOT, type Runtime } from "../lib/runtime.ts";
import { startOnce, type StartSample } from "../lib/start.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    base: { type: "string" },
    runs: { type: "string", default: "9" },
    runtime: { type: "string", default: "deno" },
    hono: { type: "boolean", default: false },
  },
});
if (values.base === undefined) {
  console.error("usage: bench/tools/start_ab.ts --base DIR [--runs N] [--runtime R] [--hono]");
  Deno.exit(2);
}
const base = (await Deno.realPath(values.base)).replace(/\/?$/, "/");
const runtime = values.runtime as Runtime;
const runs = Number(values.runs);
const SAY = "/helloworld.v1.Greeter/SayHello";

const rows: [string, string, string, string][] = [
  ["base", base, "helloworld.ts", SAY],
  ["this", ROOT, "helloworld.ts", SAY],
];
if (values.hono) {
  rows.push(["base Hono", base, "plain-hono.ts", "/hello"]);
  rows.push(["this Hono", ROOT, "plain-hono.ts", "/hello"]);
}
const samples = new Map<string, StartSample[]>(rows.map(([name]) => [name, []]));
for (let i = 0; i < runs; i++) {
  // Alternate the order each round, so neither tree always follows the other.
  const order = i % 2 === 0 ? rows : [...rows].reverse();
  for (const [name, root, entry, path] of order) {
    samples.get(name)!.push(await startOnce(runtime, entry, path, { root }));
  }
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const load = (await Deno.readTextFile("/proc/loadavg").catch(() => "?")).split(" ")[0];
console.log(`${runtime}, ${runs} starts each, load average ${load} at the end`);
for (const [name, s] of samples) {
  console.log(
    `${name.padEnd(10)} CPU ms ${median(s.map((x) => x.cpuMs)).toFixed(0).padStart(4)}` +
      `  wall ms ${median(s.map((x) => x.ms)).toFixed(0).padStart(4)}` +
      `  RSS MB ${median(s.map((x) => x.rssMb)).toFixed(1)}` +
      `  (CPU: ${s.map((x) => x.cpuMs.toFixed(0)).join(" ")})`,
  );
}
