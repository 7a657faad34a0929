// Finding the executables `atreus gen` runs. Projects rarely have buf installed globally, so
// node_modules/.bin of the project and of an Atreus checkout come before PATH.
import { statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Directories searched for a tool, in order, for a project at `projectDir`. */
export function toolDirs(projectDir: string, atreusRoot: string | undefined): string[] {
  const dirs = [join(projectDir, "node_modules/.bin")];
  if (atreusRoot !== undefined) {
    dirs.push(join(atreusRoot, "node_modules/.bin"), join(atreusRoot, "tools/node_modules/.bin"));
  }
  const path = Deno.env.get("PATH") ?? "";
  return [...dirs, ...path.split(delimiter).filter((d) => d !== "")];
}

/** The first executable file named `name` in `dirs`, or undefined. */
export function findExecutable(name: string, dirs: readonly string[]): string | undefined {
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      const stat = statSync(candidate);
      if (stat.isFile() && (stat.mode & 0o111) !== 0) return candidate;
    } catch {
      // not there: try the next directory
    }
  }
  return undefined;
}

/** The Atreus checkout this CLI runs from, or undefined when it runs from JSR. */
export function atreusCheckout(): string | undefined {
  const url = new URL("../../", import.meta.url);
  return url.protocol === "file:" ? fileURLToPath(url) : undefined;
}
