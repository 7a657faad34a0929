// Which JavaScript runtime we are on: transport/runtime picks its listener by it, log its batching.

/** A runtime Atreus can serve on. */
export type RuntimeName = "deno" | "bun" | "node" | "workerd" | "unknown";

/** Detects the current runtime. */
export function detectRuntime(): RuntimeName {
  const g = globalThis as Record<string, unknown>;
  if (typeof g.Deno === "object" && g.Deno !== null) return "deno";
  if (typeof g.Bun === "object" && g.Bun !== null) return "bun";
  const nav = g.navigator as { userAgent?: string } | undefined;
  if (nav?.userAgent === "Cloudflare-Workers") return "workerd";
  const proc = g.process as { versions?: { node?: string } } | undefined;
  if (proc?.versions?.node !== undefined) return "node";
  return "unknown";
}

/**
 * Lets the process exit while `timer` is pending, where the runtime's timers are objects with
 * `unref` (Node, Bun); elsewhere (Deno's numeric ids, workerd) it does nothing.
 */
export function unrefTimer(timer: unknown): void {
  if (
    typeof timer === "object" && timer !== null && "unref" in timer &&
    typeof timer.unref === "function"
  ) {
    timer.unref();
  }
}

/**
 * A global only some runtimes define (`Bun`, `Deno`, `setImmediate`), typed by the caller, who
 * has checked the runtime: the project's type environment declares none of them for all runtimes.
 */
export function runtimeGlobal<T>(name: string): T {
  return (globalThis as Record<string, unknown>)[name] as T;
}

/**
 * The process environment as `process.env` reads it, read-only. On Deno a variable is read by
 * `Deno.env.get` when it is read, so per-variable `--allow-env` grants apply as they do to
 * `process.env` there, and Deno's Node process module, costly to load at start, stays unloaded;
 * elsewhere `process.env`, or nothing where the runtime has no process (workerd without
 * nodejs_compat).
 */
export function programEnv(): Readonly<Record<string, string | undefined>> {
  const deno = runtimeGlobal<
    | { env: { get(key: string): string | undefined; toObject(): Record<string, string> } }
    | undefined
  >("Deno");
  if (deno === undefined) {
    return runtimeGlobal<{ env: Record<string, string> } | undefined>("process")?.env ?? {};
  }
  // Enumerating (spreading it, `Object.keys`, a config env source scanning a prefix) lists every
  // variable, as `process.env` does, which on Deno needs the whole `--allow-env`.
  const read = (key: string | symbol) => typeof key === "string" ? deno.env.get(key) : undefined;
  return new Proxy({}, {
    get: (_, key) => read(key),
    has: (_, key) => read(key) !== undefined,
    ownKeys: () => Object.keys(deno.env.toObject()),
    getOwnPropertyDescriptor: (_, key) => {
      const value = read(key);
      return value === undefined
        ? undefined
        : { value, enumerable: true, configurable: true, writable: false };
    },
  });
}

/**
 * The program's command-line arguments after the script: `Deno.args` on Deno (Deno's Node process
 * module stays unloaded), `process.argv.slice(2)` on Bun and Node, none where there is no process.
 */
export function programArgs(): string[] {
  const deno = runtimeGlobal<{ args: string[] } | undefined>("Deno");
  if (deno !== undefined) return [...deno.args];
  return runtimeGlobal<{ argv: string[] } | undefined>("process")?.argv.slice(2) ?? [];
}
