// Drives the atreus CLI as users do: a separate Deno process, judged by exit code and output.
import { run } from "./process.ts";
import { root } from "./tools.ts";

/** The CLI's entry point in this checkout. */
export const CLI: string = `${root}cmd/atreus/main.ts`;

/** Outcome of one CLI invocation. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `atreus <args>` in `cwd` (bounded). */
export async function atreus(
  args: string[],
  options: { cwd: string; timeoutMs?: number; env?: Record<string, string> },
): Promise<CliResult> {
  return await run(Deno.execPath(), ["run", "-A", CLI, ...args], {
    cwd: options.cwd,
    env: options.env,
    timeoutMs: options.timeoutMs ?? 60_000,
  });
}

/**
 * A pattern that matches only the `n`th line matching `re`, for waiting on a line that a
 * process prints more than once (Child.waitFor returns the first match otherwise).
 */
export function nth(re: RegExp, n: number): RegExp {
  let seen = 0;
  return new class extends RegExp {
    override [Symbol.match](text: string): RegExpMatchArray | null {
      const m = RegExp.prototype[Symbol.match].call(re, text);
      if (m === null) return null;
      seen++;
      return seen === n ? m : null;
    }
  }(re.source, re.flags);
}

/** A fresh temporary directory, removed by the returned disposer. */
export async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "atreus-cli-" });
  return {
    path,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }),
  };
}
