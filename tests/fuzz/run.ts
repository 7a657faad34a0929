// Runs one fuzz target in this process and reports on stdout: a `progress <executions>` line
// at least every second (the parent's hang watchdog), then one `result <json>` line. Started by
// fuzz_test.ts and main.ts with a V8 heap cap, so an unbounded allocation ends in a crash the
// parent reports instead of a swapped machine.
//
//   deno run -A tests/fuzz/run.ts <target> [--runs N] [--ms T] [--seed S] [--path P]
import fc from "fast-check";
import { readCorpus } from "./target.ts";
import { TARGETS } from "./targets/mod.ts";

/** What one run of a target reports. */
export interface FuzzResult {
  /** Target name. */
  readonly target: string;
  /** Inputs executed (corpus seeds included). */
  readonly executions: number;
  /** Wall time of the run. */
  readonly ms: number;
  /** fast-check seed, to replay a failure with `--seed` and `--path`. */
  readonly seed: number;
  /** Seed corpus size. */
  readonly corpus: number;
  /** Failure report (shrunk counterexample and error), if the property failed. */
  readonly failure?: string;
}

function arg(name: string): string | undefined {
  const i = Deno.args.indexOf(`--${name}`);
  return i < 0 ? undefined : Deno.args[i + 1];
}

const name = Deno.args[0];
const load = TARGETS[name];
if (load === undefined) {
  console.error(`unknown fuzz target ${name}; known: ${Object.keys(TARGETS).join(", ")}`);
  Deno.exit(2);
}
const target = await load();
const runs = Number(arg("runs") ?? 2 ** 31 - 1);
const ms = Number(arg("ms") ?? 10_000);
const seed = Number(arg("seed") ?? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0);
const path = arg("path");
const seeds = readCorpus(name);
const encoder = new TextEncoder();
let executions = 0;
let lastReport = Date.now();
function tick() {
  executions++;
  if ((executions & 63) === 0 && Date.now() - lastReport >= 1000) {
    lastReport = Date.now();
    Deno.stdout.writeSync(encoder.encode(`progress ${executions}\n`));
  }
}

await target.setup?.();
const started = performance.now();
const arbitrary = target.arbitrary(seeds);
const examples = target.examples(seeds).map((e) => [e] as [unknown]);
const parameters = {
  numRuns: runs,
  seed,
  path,
  examples,
  interruptAfterTimeLimit: ms,
  markInterruptAsFailure: false,
  endOnFailure: false,
};
// Async targets get a per-input timeout, so a stuck promise is a reported hang, not a stall.
const details = target.async
  ? await fc.check(
    fc.asyncProperty(arbitrary, async (input) => {
      tick();
      await target.check(input as never);
    }),
    { ...parameters, timeout: 5_000 },
  )
  : fc.check(
    fc.property(arbitrary, (input) => {
      tick();
      void target.check(input as never);
    }),
    parameters,
  );
const result: FuzzResult = {
  target: name,
  executions,
  ms: Math.round(performance.now() - started),
  seed,
  corpus: seeds.length,
  failure: details.failed
    ? `${fc.defaultReportMessage(details) ?? "failed"}\n${details.errorInstance}`
    : undefined,
};
await target.teardown?.();
Deno.stdout.writeSync(encoder.encode(`result ${JSON.stringify(result)}\n`));
