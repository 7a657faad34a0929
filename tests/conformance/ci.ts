/**
 * The conformance runs of one role in CI: the CI subset of each run (`ci: true`, on its
 * `ciSelect` cases) through suite.ts's runner, a step per run, each failing on any failed case,
 * any case that could not run, and a run that gave no verdict.
 * @module
 */
import assert from "node:assert/strict";
import { selectRuns, table } from "./run.ts";
import { prepareServerRuns } from "./server/runs.ts";
import { assertPassed, type PlannedResult, runPlanned } from "./suite.ts";
import type { SuiteRun } from "./runs.ts";

/** Registers one Deno test running the CI subset of every `role` run, then printing the table. */
export function conformanceTest(role: "server" | "client", name: string): void {
  Deno.test(name, async (t) => {
    const runs = selectRuns({ ci: true, runtimes: [], role, select: [], failures: false });
    assert.ok(runs.length > 0, `${role} runs are defined`);
    await prepareServerRuns(runs);
    const results: { run: SuiteRun; result: PlannedResult }[] = [];
    for (const run of runs) {
      await t.step(`${run.runtime} ${run.role} ${run.path}`, async () => {
        const result = await runPlanned(run, { ci: true });
        results.push({ run, result });
        if (result.retried.length > 0) {
          console.warn(
            `${result.retried.length} case(s) passed on a re-run (${run.flaky?.reason})`,
          );
        }
        assertPassed(result);
      });
    }
    console.log(table(results));
  });
}
