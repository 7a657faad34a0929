// One cold start of a bench server: process start → first answered call, the CPU the process
// used until then, and its resident memory once idle. The start group of bench/main.ts and
// bench/tools/start_ab.ts (one tree against another) both time starts with it.
import { cpuMs } from "./cpu.ts";
import { command, pin, ROOT, type Runtime } from "./runtime.ts";
import { freePort, waitForPort } from "./server.ts";

/** What one start measured. */
export interface StartSample {
  /** Wall time from spawning the process to the first 200 answer, in ms. */
  readonly ms: number;
  /** CPU time of the process (all threads) until that answer, in ms. */
  readonly cpuMs: number;
  /** Resident memory one second after that answer, in MB. */
  readonly rssMb: number;
}

/** How to start: the environment, a graceful stop (Node's compile cache), another tree. */
export interface StartOptions {
  readonly env?: Record<string, string>;
  /** Stop with SIGTERM instead of SIGKILL, so the process may write caches on exit. */
  readonly graceful?: boolean;
  /** The repository whose `bench/servers/<entry>` runs (with trailing slash; default this one). */
  readonly root?: string;
}

const body = new TextEncoder().encode('{"name":"bench"}');

/** Starts `bench/servers/<entry>` on `runtime`, POSTs `path` until it answers 200, then stops it. */
export async function startOnce(
  runtime: Runtime,
  entry: string,
  path: string,
  options: StartOptions = {},
): Promise<StartSample> {
  const root = options.root ?? ROOT;
  const port = freePort();
  const [cmd, cmdArgs] = command(runtime, `${root}bench/servers/${entry}`);
  const full = [...await pin(1), cmd, ...cmdArgs, "--port", String(port)];
  const started = performance.now();
  const child = new Deno.Command(full[0], {
    args: full.slice(1),
    cwd: root,
    env: options.env ?? {},
    stdout: "null",
    stderr: "null",
    stdin: "null",
  }).spawn();
  try {
    const deadline = AbortSignal.timeout(60_000);
    await waitForPort(port, deadline, child.status);
    for (;;) {
      if (deadline.aborted) throw new Error("no answer within 60 s");
      const res = await fetch(`http://127.0.0.1:${port}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      }).catch(() => undefined);
      if (res !== undefined) {
        await res.body?.cancel();
        if (res.status === 200) break;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    const ms = performance.now() - started;
    const cpu = cpuMs(child.pid);
    // Idle: what a serverless instance holds between calls.
    await new Promise((r) => setTimeout(r, 1000));
    const status = await Deno.readTextFile(`/proc/${child.pid}/status`).catch(() => "");
    const rssMb = Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? NaN) / 1024;
    return { ms, cpuMs: cpu, rssMb };
  } finally {
    try {
      child.kill(options.graceful ? "SIGTERM" : "SIGKILL");
    } catch { /* exited */ }
    const killer = options.graceful
      ? setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* exited */ }
      }, 10_000)
      : undefined;
    await child.status;
    clearTimeout(killer);
  }
}
