// Runs one fuzz target in a child Deno (run.ts) with a capped heap and a hang watchdog: no
// `progress` line for HANG_MS means the target is stuck in one input, and the child is killed.
import type { FuzzResult } from "./run.ts";
import { fromFileUrl } from "../support/paths.ts";

const RUN = fromFileUrl(new URL("./run.ts", import.meta.url));
const HANG_MS = 20_000;
/** Heap cap of a fuzz child: an input that makes a parser allocate without bound crashes it. */
export const HEAP_MB = 384;

/** What came of one target's run: its result, or why there is none. */
export interface FuzzOutcome {
  /** The child's report, when it got to the end. */
  readonly result?: FuzzResult;
  /** Crash, hang or failure description; absent when the run passed. */
  readonly problem?: string;
}

/** Fuzzes `target` for about `ms` milliseconds (seeds always first). */
export async function fuzz(target: string, ms: number, seed?: number): Promise<FuzzOutcome> {
  const args = [
    "run",
    "-A",
    `--v8-flags=--max-old-space-size=${HEAP_MB}`,
    RUN,
    target,
    "--ms",
    String(ms),
  ];
  if (seed !== undefined) args.push("--seed", String(seed));
  const child = new Deno.Command(Deno.execPath(), { args, stdout: "piped", stderr: "piped" })
    .spawn();
  const stderr = new Response(child.stderr).text();
  let result: FuzzResult | undefined;
  let last = Date.now();
  let hung = false;
  const watchdog = setInterval(() => {
    if (Date.now() - last > HANG_MS) {
      hung = true;
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    }
  }, 1000);
  let buffered = "";
  try {
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      last = Date.now();
      buffered += chunk;
      let i;
      while ((i = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, i);
        buffered = buffered.slice(i + 1);
        if (line.startsWith("result ")) result = JSON.parse(line.slice(7));
      }
    }
  } finally {
    clearInterval(watchdog);
  }
  const status = await child.status;
  const errors = (await stderr).trim().slice(-2000);
  if (hung) return { problem: `${target}: hang (no progress for ${HANG_MS} ms)\n${errors}` };
  if (!status.success || result === undefined) {
    return {
      problem: `${target}: crash (exit ${status.code}${
        status.signal ? `, ${status.signal}` : ""
      })\n${errors}`,
    };
  }
  if (result.failure) return { result, problem: `${target}: ${result.failure}` };
  return { result };
}
