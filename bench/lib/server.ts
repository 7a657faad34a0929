// Starts a benchmark server process pinned to the server CPU and waits for its port. Its stdout
// goes to a file (the log, for servers that log a line per call: a real file, as when a
// service's stdout is redirected); the port comes from a `listening <port>` line on stderr, or
// is given and waited for by connecting.
import { procStat } from "./cpu.ts";
import { command, pin, ROOT, type Runtime } from "./runtime.ts";

/** How to start a server. */
export interface ServerSpec {
  /** Runtime that runs it. */
  readonly runtime: Runtime;
  /** A file in bench/servers/, or an absolute path. */
  readonly entry: string;
  /** Arguments after the entry. */
  readonly args?: readonly string[];
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory (default: the repository). */
  readonly cwd?: string;
  /** A port the server is told to use (then waited for by connecting), instead of stderr's. */
  readonly port?: number;
}

/** A running benchmark server. */
export interface BenchServer {
  /** The port it listens on. */
  readonly port: number;
  /** The file its stdout goes to. */
  readonly logFile: string;
  /** Its process id. */
  readonly pid: number;
  /** Why it is gone (exit code or signal, and its last output) if it has exited; else undefined. */
  gone(): Promise<string | undefined>;
  /** Stops it (SIGTERM, then SIGKILL after 5 s) and removes its log file. */
  stop(): Promise<void>;
}

/** The absolute path of an entry: `bench/servers/<entry>` unless already absolute. */
export function entryPath(entry: string): string {
  return entry.startsWith("/") ? entry : `${ROOT}bench/servers/${entry}`;
}

/** Starts `spec` and waits (up to 60 s) until it accepts connections. */
export async function startServer(spec: ServerSpec): Promise<BenchServer> {
  const [cmd, cmdArgs] = command(spec.runtime, entryPath(spec.entry));
  const prefix = await pin(1);
  const logFile = await Deno.makeTempFile({ prefix: "atreus-bench-", suffix: ".log" });
  const full = [...prefix, cmd, ...cmdArgs, ...(spec.args ?? [])];
  // A shell only to point stdout at the file; exec keeps the server's pid.
  const child = new Deno.Command("sh", {
    args: ["-c", 'exec "$@" > "$ATREUS_BENCH_LOG"', "sh", ...full],
    env: { ...spec.env, ATREUS_BENCH_LOG: logFile },
    stdout: "null",
    stderr: "piped",
    stdin: "null",
    cwd: spec.cwd ?? ROOT,
  }).spawn();
  let status: Deno.CommandStatus | undefined;
  const exited = child.status.then((s) => (status = s));
  let stderr = "";
  // The end of what it printed after announcing its port, for the message if it dies.
  let tail = "";
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  const announced = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return undefined;
      stderr += value;
      const m = stderr.match(/listening (\d+)/);
      if (m) return Number(m[1]);
    }
  })();
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* exited */ }
    const t = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* exited */ }
    }, 5_000);
    await exited;
    clearTimeout(t);
    await Deno.remove(logFile).catch(() => {});
  };
  const deadline = AbortSignal.timeout(60_000);
  try {
    const port = spec.port ?? await Promise.race([
      announced,
      exited.then(() => undefined),
      new Promise<never>((_, reject) =>
        deadline.addEventListener("abort", () => reject(new Error("no port within 60 s")))
      ),
    ]);
    if (port === undefined) throw new Error("exited before listening");
    if (spec.port !== undefined) await waitForPort(spec.port, deadline, exited);
    // Keep draining stderr (so the server never blocks on a full pipe), passing it on.
    (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          tail = (tail + value).slice(-2_000);
          await Deno.stderr.write(new TextEncoder().encode(value));
        }
      } catch { /* closed */ }
    })();
    const gone = async () => {
      // Gone from /proc, or a zombie not yet reaped: its status follows shortly.
      const stat = await procStat(child.pid);
      if (status === undefined && stat !== undefined && stat[0] !== "Z") return undefined;
      const late = AbortSignal.timeout(5_000);
      await Promise.race([
        exited,
        new Promise((r) => late.addEventListener("abort", r, { once: true })),
      ]);
      const how = status === undefined
        ? "no exit status within 5 s"
        : status.signal
        ? `signal ${status.signal}`
        : `code ${status.code}`;
      return `${spec.runtime} ${spec.entry} exited (${how}) during the run:\n${tail}`;
    };
    return { port, logFile, pid: child.pid, gone, stop };
  } catch (error) {
    await stop();
    throw new Error(
      `${spec.runtime} ${spec.entry} ${(spec.args ?? []).join(" ")}: ${
        error instanceof Error ? error.message : error
      }\n${stderr}`,
    );
  }
}

/** Resolves once `port` on 127.0.0.1 accepts a connection (polling every 5 ms). */
export async function waitForPort(
  port: number,
  signal: AbortSignal,
  exited?: Promise<unknown>,
): Promise<void> {
  let gone = false;
  exited?.then(() => (gone = true));
  for (;;) {
    if (signal.aborted) throw new Error(`port ${port} not open in time`);
    if (gone) throw new Error("exited before listening");
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

/** A port that was free a moment ago. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}
