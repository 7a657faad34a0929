// The bounded CI run of every fuzz target (tests/fuzz/targets): each gets ATREUS_FUZZ_MS (default 8 s) of fast-check
// inputs (its committed seed corpus first) in its own heap-capped Deno, under a hang watchdog.
// 70–90 s in all, by the load of the machine; `deno task fuzz` is the long run (docs/benchmarks.md).
import assert from "node:assert/strict";
import { fuzz } from "./spawn.ts";
import { TARGETS } from "./targets/mod.ts";

const FUZZ_MS = Number(Deno.env.get("ATREUS_FUZZ_MS") ?? 8_000);

for (const name of Object.keys(TARGETS)) {
  Deno.test(`fuzz ${name}: no crash, hang, unbounded allocation or untyped error`, async () => {
    const { result, problem } = await fuzz(name, FUZZ_MS);
    assert.equal(problem, undefined, problem ?? "");
    assert.ok(result!.executions > result!.corpus, `${name} ran only ${result!.executions} inputs`);
    console.log(
      `fuzz ${name}: ${result!.executions} executions in ${result!.ms} ms (seed ${result!.seed})`,
    );
  });
}
