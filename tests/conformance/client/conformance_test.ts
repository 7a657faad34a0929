// The CI subset of the client runs (runs.ts, `ci: true`, each on its `ciSelect` cases) through
// Connect's runner: a run fails on any failed case, any case that could not run, and any run
// that ends without the runner's verdict. `deno task conformance` runs them all, whole.
import assert from "node:assert/strict";
import { type ClientRun, clientRuns } from "./runs.ts";
import { root } from "../../support/tools.ts";

const RUNNER = `${root}tools/go/bin/connectconformance`;

/** The runner's verdict on one run. */
interface Verdict {
  passed: number;
  failed: number;
  failures: string[];
  output: string;
}

async function runner(run: ClientRun, select: readonly string[]): Promise<Verdict> {
  const args = ["--mode", run.role, "--conf", run.config];
  if (run.knownFailing) args.push("--known-failing", `@${run.knownFailing}`);
  for (const pattern of select) args.push("--run", pattern);
  const out = await new Deno.Command(RUNNER, {
    args: [...args, "--", ...run.command],
    cwd: root,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(10 * 60_000),
  }).output();
  const decoder = new TextDecoder();
  const output = decoder.decode(out.stdout) + decoder.decode(out.stderr);
  const counts = output.match(/^(\d+) passed, (\d+) failed$/m);
  assert.ok(counts, `the runner gave no verdict:\n${output.slice(-3000)}`);
  const notRun = Number(output.match(/^Another (\d+) could not be run/m)?.[1] ?? 0);
  // Each failure as "<name>\n<the runner's explanation>".
  const failures = [...output.matchAll(/^FAILED: (.*?):?\n((?:\t.*\n?)*)/gm)].map((m) =>
    `${m[1]}\n${m[2]}`
  );
  return { passed: Number(counts[1]), failed: Number(counts[2]) + notRun, failures, output };
}

for (const run of clientRuns.filter((r) => r.ci)) {
  Deno.test(`conformance: ${run.runtime} client ${run.path} (CI subset)`, async () => {
    const select = run.ciSelect ?? [];
    let verdict = await runner(run, select);
    const flaky = run.flaky;
    const hit = flaky === undefined ? [] : verdict.failures.filter((f) => flaky.signature.test(f));
    // A known runtime or load problem (runs.ts): when it explains every failure, the failed
    // cases (all of the subset if the client died and left some unrun) run once more, in a
    // fresh process, and must all pass then.
    if (hit.length > 0 && hit.length === verdict.failures.length) {
      const unrun = verdict.failed > hit.length;
      const again = await runner(run, unrun ? select : hit.map((f) => f.split("\n")[0]));
      if (again.failed === 0) {
        console.warn(
          `${verdict.failed} case(s) passed on a re-run (${flaky!.reason})` +
            (unrun ? "; the subset was run again" : ""),
        );
        verdict = unrun ? again : { ...verdict, passed: verdict.passed + again.passed, failed: 0 };
      }
    }
    assert.ok(verdict.passed > 0, `no case ran:\n${verdict.output.slice(-2000)}`);
    assert.equal(
      verdict.failed,
      0,
      `${verdict.failed} case(s) failed:\n${
        verdict.output.split("\n").filter((l) => l.startsWith("FAILED") || l.startsWith("\t"))
          .slice(0, 60).join("\n")
      }`,
    );
  });
}
