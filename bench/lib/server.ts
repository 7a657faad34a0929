// Starts a benchmark server process pinned to the server CPU and waits for its port.
import { command, pin, ROOT, type Runtime } from "./runtime.ts";

/** A running benchmark server. */
export interface BenchServer {
  /** The port it listens on. */
  readonly port: number;
  /** Stops it. */
  stop(): Promise<void>;
}

/** Starts `servers/<entry>` on `runtime` with `args`; the entry prints `listening <port>`. */
export async function startServer(
  runtime: Runtime,
  entry: string,
  args: string[] = [],
): Promise<BenchServer> {
  const [cmd, cmdArgs] = command(runtime, `${ROOT}bench/servers/${entry}`);
  const prefix = await pin(1);
  const full = [...prefix, cmd, ...cmdArgs, ...args];
  const child = new Deno.Command(full[0], {
    args: full.slice(1),
    stdout: "piped",
    stderr: "inherit",
    stdin: "null",
    cwd: ROOT,
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`${runtime} ${entry} exited before listening:\n${seen}`);
      seen += value;
      const m = seen.match(/listening (\d+)/);
      if (m) {
        // Keep draining stdout so the server never blocks on a full pipe.
        (async () => {
          try {
            while (!(await reader.read()).done) { /* discard */ }
          } catch { /* closed */ }
        })();
        return {
          port: Number(m[1]),
          async stop() {
            try {
              child.kill("SIGTERM");
            } catch { /* exited */ }
            const t = setTimeout(() => {
              try {
                child.kill("SIGKILL");
              } catch { /* exited */ }
            }, 5_000);
            await child.status;
            clearTimeout(t);
          },
        };
      }
    }
  } finally {
    clearTimeout(timer);
  }
}
