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
