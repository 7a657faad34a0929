// Where the runtimes and load generators live, and how to start a TypeScript entry on each.
const root = decodeURIComponent(new URL("../../", import.meta.url).pathname);

/** A server runtime. */
export type Runtime = "deno" | "bun" | "node";

/** Repository root (with trailing slash). */
export const ROOT: string = root;

/** Command line that runs `entry` on `runtime`. */
export function command(runtime: Runtime, entry: string): [string, string[]] {
  switch (runtime) {
    case "deno":
      return [Deno.execPath(), ["run", "-A", entry]];
    case "bun":
      return [`${root}tools/node_modules/.bin/bun`, [entry]];
    case "node":
      return [`${root}tools/node_modules/.bin/node`, [
        "--experimental-transform-types",
        "--no-warnings",
        entry,
      ]];
  }
}

/** Whether a command exists on PATH. */
export async function have(cmd: string): Promise<boolean> {
  try {
    const out = await new Deno.Command("sh", { args: ["-c", `command -v ${cmd}`] }).output();
    return out.success;
  } catch {
    return false;
  }
}

/** Prefix that pins a process to one CPU when taskset exists and the machine has two or more. */
export async function pin(cpu: number): Promise<string[]> {
  if (navigator.hardwareConcurrency < 2 || !(await have("taskset"))) return [];
  return ["taskset", "-c", String(cpu)];
}

/**
 * CPU time a process has used so far (every thread, user and system), in ms, from
 * /proc/<pid>/task/<tid>/schedstat; NaN where /proc is missing.
 */
export function cpuMs(pid: number): number {
  let ns = 0;
  try {
    for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(
          Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/schedstat`).split(" ")[0],
        );
      } catch { /* the thread ended meanwhile */ }
    }
  } catch {
    return NaN;
  }
  return ns / 1e6;
}
