// The long fuzz run: every target for `--minutes` (default 5) each, one after another, with a
// summary table of executions; exits non-zero on any crash, hang or failure.
//
//   deno task fuzz [--minutes N] [--target NAME] [--seed S]
import { fuzz } from "./spawn.ts";
import { TARGETS } from "./targets/mod.ts";

function arg(name: string): string | undefined {
  const i = Deno.args.indexOf(`--${name}`);
  return i < 0 ? undefined : Deno.args[i + 1];
}

const minutes = Number(arg("minutes") ?? 5);
const only = arg("target");
const seed = arg("seed") === undefined ? undefined : Number(arg("seed"));
const names = only ? [only] : Object.keys(TARGETS);
let failed = 0;
console.log("| target | executions | seconds | executions/s | seed | result |");
console.log("|---|---:|---:|---:|---:|---|");
for (const name of names) {
  const { result, problem } = await fuzz(name, minutes * 60_000, seed);
  if (problem) failed++;
  const s = result ? result.ms / 1000 : 0;
  console.log(
    `| ${name} | ${result?.executions ?? "-"} | ${s.toFixed(0)} | ${
      result ? Math.round(result.executions / s) : "-"
    } | ${result?.seed ?? "-"} | ${problem ? "FAILED" : "ok"} |`,
  );
  if (problem) console.error(problem);
}
Deno.exit(failed === 0 ? 0 : 1);
