// `atreus run`: runs a project's main.ts and restarts it when a source file changes. It watches
// by itself instead of using `deno run --watch` because that watcher outlives the program: on
// SIGTERM the app stops cleanly but the watcher keeps waiting for changes, so the stop never
// completes. Here a signal stops the app and then this process, with the app's exit code.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { CliError } from "./errors.ts";
import { SourceWatcher } from "./watch.ts";

/** Options of {@linkcode runProject}. */
export interface RunOptions {
  /** The project directory; default the working directory. */
  readonly dir?: string;
  /** Arguments for main.ts. */
  readonly args?: readonly string[];
  /** Restart on source changes (default true). */
  readonly watch?: boolean;
  /** The directory watched for changes (default `dir`), e.g. a repository holding the project. */
  readonly watchDir?: string;
  /** Progress lines (starts, restarts); default stderr. */
  readonly log?: (line: string) => void;
}

const stopSignals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
// A terminal's Ctrl-C reaches this process directly and again through a parent that forwards
// it (deno task, npm), a few milliseconds apart; only a signal after a pause is a second one.
const sameSignalMs = 250;

/** Runs main.ts until SIGINT/SIGTERM and resolves with its exit code. */
export async function runProject(options: RunOptions = {}): Promise<number> {
  const dir = resolve(options.dir ?? ".");
  if (!existsSync(join(dir, "main.ts"))) {
    throw new CliError(`no main.ts in ${dir}: not an Atreus project (see atreus new)`);
  }
  const log = options.log ?? ((line: string) => console.error(line));
  const signals = new Signals();
  const watcher = options.watch === false
    ? undefined
    : new SourceWatcher(resolve(options.watchDir ?? dir));
  // One read at a time, kept across runs: a read is only replaced once it delivered a change.
  const nextChange = () =>
    watcher?.next().then((path) => ({ kind: "change" as const, path })) ??
      new Promise<never>(() => {});
  let change = nextChange();
  const stop = signals.count(1).then(() => ({ kind: "stop" as const }));
  try {
    for (let run = 1;; run++) {
      const child = spawn(dir, options.args ?? []);
      log(`atreus run: started main.ts (run ${run}, pid ${child.pid})`);
      const exit = child.status.then((s) => ({ kind: "exit" as const, code: s.code }));
      const event = await Promise.race([exit, stop, change]);
      if (event.kind === "stop") return await stopChild(child, signals.first, signals, log);
      if (event.kind === "change") {
        if (event.path === undefined) return await stopChild(child, "SIGTERM", signals, log);
        change = nextChange();
        log(`atreus run: ${event.path} changed, restarting`);
        const code = await stopChild(child, "SIGTERM", signals, log);
        if (signals.received) return code;
        continue;
      }
      if (watcher === undefined) return event.code;
      log(`atreus run: main.ts exited with code ${event.code}; waiting for a change`);
      const next = await Promise.race([stop, change]);
      if (next.kind === "stop" || next.path === undefined) return event.code;
      change = nextChange();
    }
  } finally {
    watcher?.close();
    signals.close();
  }
}

function spawn(dir: string, args: readonly string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts", ...args],
    cwd: dir,
    // Its own session: a terminal's Ctrl-C then reaches only this process, which forwards it
    // once. Reaching both would count as a second signal and cut the app's drain short.
    detached: true,
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
}

// Forwards `signal` and waits for the app's own graceful stop; a second signal from the user
// means "now", as with most servers.
async function stopChild(
  child: Deno.ChildProcess,
  signal: Deno.Signal,
  signals: Signals,
  log: (line: string) => void,
): Promise<number> {
  kill(child, signal);
  const status = await Promise.race([child.status, signals.count(2).then(() => undefined)]);
  if (status !== undefined) return status.code;
  log("atreus run: second signal, killing main.ts");
  kill(child, "SIGKILL");
  return (await child.status).code;
}

function kill(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    child.kill(signal);
  } catch {
    // already exited
  }
}

// Counts SIGINT/SIGTERM; waiters ask for "at least n", so one that is never consumed cannot
// swallow a signal meant for another.
class Signals {
  #count = 0;
  #last = -Infinity;
  #first: Deno.Signal | undefined;
  readonly #waiters: { n: number; resolve: () => void }[] = [];
  readonly #listeners = stopSignals.map((signal) => {
    const listener = () => this.#received(signal);
    Deno.addSignalListener(signal, listener);
    return [signal, listener] as const;
  });

  get first(): Deno.Signal {
    return this.#first ?? "SIGTERM";
  }

  get received(): boolean {
    return this.#count > 0;
  }

  #received(signal: Deno.Signal): void {
    const now = performance.now();
    if (now - this.#last < sameSignalMs) return;
    this.#last = now;
    this.#first ??= signal;
    this.#count++;
    for (const w of this.#waiters.filter((w) => w.n <= this.#count)) {
      this.#waiters.splice(this.#waiters.indexOf(w), 1);
      w.resolve();
    }
  }

  count(n: number): Promise<void> {
    if (this.#count >= n) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ n, resolve }));
  }

  close(): void {
    for (const [signal, listener] of this.#listeners) Deno.removeSignalListener(signal, listener);
  }
}
