// Connect's conformance suite in CI, server side: the CI subset of every server run (every
// runtime, both servers, both unary paths), each a step that fails on any failed case or on a
// run that gave no verdict. The client runs have their own test (client/conformance_test.ts);
// the whole matrix is `deno task conformance` (see the README for its time and counts).
import assert from "node:assert/strict";
import { selectRuns, table } from "./run.ts";
import { prepareServerRuns } from "./server/runs.ts";
import { type PlannedResult, runPlanned } from "./suite.ts";
import type { SuiteRun } from "./runs.ts";

Deno.test("conformance: the servers pass the CI subset on every runtime", async (t) => {
  const runs = selectRuns({ ci: true, runtimes: [], role: "server", select: [], failures: false });
  assert.ok(runs.some((r) => r.role === "server"), "server runs are defined");
  await prepareServerRuns(runs);
  const results: { run: SuiteRun; result: PlannedResult }[] = [];
  for (const run of runs) {
    await t.step(`${run.runtime} ${run.role} ${run.path}`, async () => {
      const result = await runPlanned(run, { ci: true });
      results.push({ run, result });
      const failed = result.failures.slice(0, 20).map((f) => `${f.name}\n  ${f.message}`);
      assert.equal(result.error, undefined, `${result.error}\n${result.output.slice(-4000)}`);
      assert.equal(result.failed, 0, failed.join("\n"));
      assert.ok(result.passed > 0, "the run served cases");
    });
  }
  console.log(table(results));
});
