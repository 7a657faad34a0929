/**
 * Runs one {@linkcode SuiteRun} through Connect's runner (`connectconformance`) and reads its
 * verdict: the counts it prints last, and the name and message of every failed case.
 * @module
 */
import assert from "node:assert/strict";
import type { SuiteRun } from "./runs.ts";
import { NODE_COMPILE_CACHE, root } from "../support/tools.ts";

/** The runner, built by tools/setup.sh. */
export const RUNNER: string = `${root}tools/go/bin/connectconformance`;

/** A run as the harness plans it: the CI selection and the runtime bug it may meet. */
export interface PlannedRun extends SuiteRun {
  /** `--run` patterns of the CI subset (absent: every case). */
  readonly ciSelect?: readonly string[];
  /**
   * A runtime bug (or a race under load) that can hit cases of this run: a failed case whose
   * name and message (`<name>\n<message>`) match `signature` is run once more, and counts as
   * passed only if it passes then.
   */
  readonly flaky?: { readonly signature: RegExp; readonly reason: string };
}

/** The verdict of a planned run, with the cases re-run for its known runtime bug. */
export interface PlannedResult extends SuiteResult {
  /** Failed cases that passed when run again (see `PlannedRun.flaky`). */
  readonly retried: readonly CaseFailure[];
}

/**
 * Runs a planned run (its CI subset when `ci`), re-running cases its runtime bug failed: the
 * failed cases alone, or the whole selection when the bug explains every failure and left cases
 * unrun (the process under test died). A re-run happens once, in a fresh process.
 */
export async function runPlanned(
  run: PlannedRun,
  options: { readonly ci?: boolean; readonly select?: readonly string[] } = {},
): Promise<PlannedResult> {
  const select = options.select ?? (options.ci ? run.ciSelect : undefined);
  const first = await runSuite(run, { select });
  const flaky = run.flaky;
  const hit = flaky
    ? first.failures.filter((f) => flaky.signature.test(`${f.name}\n${f.message}`))
    : [];
  // More than a handful is no longer the known bug striking now and then: report it as is.
  if (first.error !== undefined || hit.length === 0 || hit.length > 50) {
    return { ...first, retried: [] };
  }
  const note = (again: SuiteResult) =>
    `${first.output}\n---- re-run of ${hit.length} case(s) (${
      flaky!.reason
    }) ----\n${again.output}`;
  const unrun = first.failed - first.failures.length;
  if (unrun > 0 && hit.length === first.failures.length) {
    const again = await runSuite(run, { select });
    if (again.error !== undefined || again.failed > 0) return { ...first, retried: [] };
    return { ...again, ms: first.ms + again.ms, retried: hit, output: note(again) };
  }
  const again = await runSuite(run, { select: hit.map((f) => f.name) });
  const stillFailing = new Set(
    again.error ? hit.map((f) => f.name) : again.failures.map((f) => f.name),
  );
  const retried = hit.filter((f) => !stillFailing.has(f.name));
  return {
    ...first,
    passed: first.passed + retried.length,
    failed: first.failed - retried.length,
    failures: first.failures.filter((f) => !retried.includes(f)),
    ms: first.ms + again.ms,
    retried,
    output: note(again),
  };
}

/** Fails (node:assert) unless `result` is a verdict with cases passed and none failed. */
export function assertPassed(result: PlannedResult): void {
  assert.equal(result.error, undefined, `${result.error}\n${result.output.slice(-4000)}`);
  const failed = result.failures.slice(0, 20).map((f) => `${f.name}\n  ${f.message}`);
  assert.equal(result.failed, 0, `${result.failed} case(s) failed:\n${failed.join("\n")}`);
  assert.ok(result.passed > 0, `no case ran:\n${result.output.slice(-2000)}`);
}

/** Options of one run. */
export interface SuiteOptions {
  /** `--run` patterns selecting the cases (all when empty). */
  readonly select?: readonly string[];
  /** Gives up after this long (default 30 min). */
  readonly timeoutMs?: number;
  /** Extra runner flags, e.g. `--trace`. */
  readonly flags?: readonly string[];
}

/** One failed case: its full name and what the runner said. */
export interface CaseFailure {
  /** The case's full name (suite/axes/test). */
  readonly name: string;
  /** The runner's explanation, one line per problem. */
  readonly message: string;
}

/** The verdict of one run. */
export interface SuiteResult {
  /** Cases that passed. */
  readonly passed: number;
  /** Cases that failed (including those that could not run). */
  readonly failed: number;
  /** Cases that failed as the known-failing list expects. */
  readonly skipped: number;
  /** Wall time, ms. */
  readonly ms: number;
  /** The failed cases. */
  readonly failures: readonly CaseFailure[];
  /** Set when the runner gave no verdict (crashed, timed out, bad config). */
  readonly error?: string;
  /** Everything the runner and the implementation under test printed. */
  readonly output: string;
}

/** Runs `run` once and parses the runner's verdict. */
export async function runSuite(run: SuiteRun, options: SuiteOptions = {}): Promise<SuiteResult> {
  const args = ["--mode", run.role, "--conf", run.config];
  if (run.knownFailing) args.push("--known-failing", `@${run.knownFailing}`);
  for (const pattern of options.select ?? []) args.push("--run", pattern);
  args.push(...(options.flags ?? []), "--", ...run.command);
  const started = performance.now();
  const signal = AbortSignal.timeout(options.timeoutMs ?? 30 * 60_000);
  let output: string;
  try {
    const out = await new Deno.Command(RUNNER, {
      args,
      cwd: root,
      // The runner allows a server 10 s to answer its start-up request; Node's compile cache
      // keeps Node's start well inside that when several servers start at once on a busy machine.
      env: { NODE_COMPILE_CACHE },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal,
    }).output();
    const decoder = new TextDecoder();
    output = decoder.decode(out.stdout) + decoder.decode(out.stderr);
  } catch (error) {
    return {
      passed: 0,
      failed: 0,
      skipped: 0,
      ms: performance.now() - started,
      failures: [],
      error: signal.aborted ? "timed out" : String(error),
      output: "",
    };
  }
  return { ...parseVerdict(output), ms: performance.now() - started, output };
}

/** Reads the counts and failures out of the runner's output. */
export function parseVerdict(output: string): Omit<SuiteResult, "ms" | "output"> {
  const failures = parseFailures(output);
  const counts = output.match(/^(\d+) passed, (\d+) failed$/m);
  if (counts === null) {
    const last = output.trim().split("\n").slice(-5).join("\n");
    return { passed: 0, failed: 0, skipped: 0, failures, error: `no verdict:\n${last}` };
  }
  const notRun = Number(output.match(/^Another (\d+) could not be run/m)?.[1] ?? 0);
  const expected = Number(output.match(/^\(Another (\d+) failed as expected/m)?.[1] ?? 0);
  return {
    passed: Number(counts[1]),
    failed: Number(counts[2]) + notRun,
    skipped: expected,
    failures,
  };
}

// "FAILED: <name>:" then tab-indented lines; "FAILED: <name> was expected to fail but did not".
function parseFailures(output: string): CaseFailure[] {
  const failures: CaseFailure[] = [];
  const lines = output.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line.startsWith("FAILED: ")) continue;
    const stale = line.match(/^FAILED: (.*) was expected to fail but did not$/);
    if (stale) {
      failures.push({ name: stale[1], message: "expected to fail but passed" });
      continue;
    }
    const message: string[] = [];
    while (lines[i + 1]?.startsWith("\t")) message.push(lines[++i].trim());
    failures.push({ name: line.slice(8).replace(/:$/, ""), message: message.join("\n") });
  }
  return failures;
}
