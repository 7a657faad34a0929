// `deno task conformance`: runs Connect's conformance suite against every implementation under
// test (servers and clients, every runtime) and prints a table of the verdicts:
//
//   deno task conformance [--ci] [--runtime deno|bun|node|workerd]... [--role server|client]
//                         [--path <substring>] [--run <pattern>]... [--failures]
//
// --ci runs the CI subset (the runs marked `ci`, each on its `ciSelect` cases); --run passes
// case patterns to the runner instead; --failures prints every failed case (and those that passed
// on their run's one re-run, with the failure that caused it). The last line is
// `N passed, N failed`; the exit code is 1 when a case failed or a run gave no verdict.
import { clientRuns } from "./client/runs.ts";
import { prepareServerRuns, serverRuns } from "./server/runs.ts";
import type { SuiteRun } from "./runs.ts";
import { type PlannedResult, type PlannedRun, runPlanned } from "./suite.ts";

/** What the command line asks for. */
export interface Selection {
  /** The CI subset only. */
  readonly ci: boolean;
  /** Runtimes to run (all when empty). */
  readonly runtimes: readonly string[];
  /** Role to run (both when absent). */
  readonly role?: "server" | "client";
  /** Substring of the path to match. */
  readonly path?: string;
  /** Case patterns handed to the runner. */
  readonly select: readonly string[];
  /** Print the failed cases. */
  readonly failures: boolean;
}

/** Parses the command line; throws on an unknown flag. */
export function parseArgs(args: readonly string[]): Selection {
  const runtimes: string[] = [];
  const select: string[] = [];
  let ci = false, failures = false;
  let role: "server" | "client" | undefined, path: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${args[i - 1]} needs a value`);
      return v;
    };
    switch (args[i]) {
      case "--ci":
        ci = true;
        break;
      case "--failures":
        failures = true;
        break;
      case "--runtime":
        runtimes.push(value());
        break;
      case "--role": {
        const r = value();
        if (r !== "server" && r !== "client") throw new Error("--role must be server or client");
        role = r;
        break;
      }
      case "--path":
        path = value();
        break;
      case "--run":
        select.push(value());
        break;
      default:
        throw new Error(`unknown option ${args[i]}`);
    }
  }
  return { ci, runtimes, role, path, select, failures };
}

/** Every run, filtered by `selection`. */
export function selectRuns(selection: Selection): PlannedRun[] {
  const all: PlannedRun[] = [...serverRuns, ...clientRuns];
  return all.filter((r) =>
    (!selection.ci || r.ci) &&
    (selection.runtimes.length === 0 || selection.runtimes.includes(r.runtime)) &&
    (selection.role === undefined || r.role === selection.role) &&
    (selection.path === undefined || r.path.includes(selection.path))
  );
}

/** Formats the verdicts as a table, ending with `N passed, N failed`. */
export function table(results: readonly { run: SuiteRun; result: PlannedResult }[]): string {
  const rows = results.map(({ run, result }) => [
    run.runtime,
    run.role,
    run.path,
    String(result.passed),
    String(result.failed),
    String(result.skipped),
    `${(result.ms / 1000).toFixed(1)} s`,
    result.error !== undefined
      ? result.error.split("\n")[0]
      : result.retried.length > 0
      ? `${result.retried.length} passed on re-run`
      : "",
  ]);
  const head = ["runtime", "role", "path", "passed", "failed", "skipped", "time", "note"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const right = new Set([3, 4, 5, 6]);
  const line = (cells: string[]) =>
    cells.map((c, i) => right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])).join("  ")
      .trimEnd();
  const passed = results.reduce((n, { result }) => n + result.passed, 0);
  const failed = results.reduce((n, { result }) => n + result.failed, 0);
  const broken = results.filter(({ result }) => result.error !== undefined).length;
  const lines = [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line), ""];
  if (broken > 0) lines.push(`${broken} run(s) gave no verdict`);
  lines.push(`${passed} passed, ${failed} failed`);
  return lines.join("\n");
}

if (import.meta.main) {
  const selection = parseArgs(Deno.args);
  const runs = selectRuns(selection);
  if (runs.length === 0) {
    console.error("no run matches the selection");
    Deno.exit(2);
  }
  await prepareServerRuns(runs);
  const results: { run: SuiteRun; result: PlannedResult }[] = [];
  for (const run of runs) {
    const label = `${run.runtime} ${run.role} ${run.path}`;
    console.error(`running ${label} …`);
    const result = await runPlanned(run, {
      ci: selection.ci,
      select: selection.select.length > 0 ? selection.select : undefined,
    });
    console.error(
      `  ${result.passed} passed, ${result.failed} failed in ${(result.ms / 1000).toFixed(1)} s` +
        (result.error ? ` (${result.error.split("\n")[0]})` : ""),
    );
    if (selection.failures || result.error) {
      for (const f of result.failures) console.error(`  FAILED ${f.name}\n    ${f.message}`);
      for (const f of result.retried) {
        console.error(`  PASSED ON RE-RUN ${f.name}\n    ${f.message}`);
      }
      if (result.error) console.error(result.error);
    }
    results.push({ run, result });
  }
  console.log(table(results));
  const bad = results.some(({ result }) => result.failed > 0 || result.error !== undefined);
  Deno.exit(bad ? 1 : 0);
}
