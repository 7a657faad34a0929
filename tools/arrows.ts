// Counts the import arrows between Atreus's top-level packages (the folders with a mod.ts, plus
// the root `mod.ts`/`app.ts` as "(root)"): which package imports which, and through how many
// import statements. Tests, examples, benches and tools are users, not packages, and are left
// out. `deno run --allow-read tools/arrows.ts [--files]`; `--files` also lists each import.
import { dirname, join, normalize, relative } from "node:path";
import { readdirSync, readFileSync, statSync } from "node:fs";

const users = new Set([
  "tests",
  "examples",
  "bench",
  "tools",
  "node_modules",
  "dist",
  ".git",
  "docs",
]);
const specifier =
  /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** The checkout this file is in. */
export const root: string = normalize(
  join(dirname(new URL(import.meta.url).pathname), ".."),
);

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (dir === root && users.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sources(path);
    else if (name.endsWith(".ts") && !name.endsWith("_test.ts")) yield path;
  }
}

function packageOf(path: string): string {
  const rel = relative(root, path);
  return rel.includes("/") ? rel.slice(0, rel.indexOf("/")) : "(root)";
}

/**
 * The relative imports (static, re-exports and `import()`) from one package into another,
 * keyed `from -> to`, each as `file -> specifier`.
 */
export function importArrows(): Map<string, string[]> {
  const arrows = new Map<string, string[]>();
  for (const file of sources(root)) {
    const from = packageOf(file);
    for (const m of readFileSync(file, "utf8").matchAll(specifier)) {
      const spec = m[1] ?? m[2];
      if (!spec.startsWith(".")) continue;
      const to = packageOf(join(dirname(file), spec));
      if (to === from) continue;
      const key = `${from} -> ${to}`;
      arrows.set(key, [
        ...(arrows.get(key) ?? []),
        `${relative(root, file)} -> ${spec}`,
      ]);
    }
  }
  return arrows;
}

if (import.meta.main) {
  const arrows = importArrows();
  let statements = 0;
  for (const key of [...arrows.keys()].sort()) {
    const imports = arrows.get(key)!;
    statements += imports.length;
    console.log(`${key}: ${imports.length}`);
    if (Deno.args.includes("--files")) {
      for (const i of imports) console.log(`    ${i}`);
    }
  }
  console.log(
    `${arrows.size} arrows between packages, ${statements} import statements`,
  );
}
