// What importing an entry point loads: the npm packages and local modules reached through
// runtime imports (`import type` is erased and does not count), split into those loaded when the
// entry is imported and those only a dynamic `import()` reaches later. Reads `deno info --json`.
// `deno run --allow-run --allow-read tools/loads.ts <entry.ts> [--modules]`.

interface Dependency {
  readonly code?: { readonly specifier: string };
  readonly isDynamic?: boolean;
}
interface Module {
  readonly specifier: string;
  readonly dependencies?: readonly Dependency[];
}
interface Info {
  readonly roots: readonly string[];
  readonly modules: readonly Module[];
  readonly redirects: Readonly<Record<string, string>>;
}

/** The modules an entry reaches: on import (static imports) and in all (`import()` too). */
export interface Loads {
  /** Specifiers loaded when the entry is imported. */
  readonly atImport: ReadonlySet<string>;
  /** Specifiers reachable at all, dynamic imports included. */
  readonly reachable: ReadonlySet<string>;
}

/** Walks the module graph of `entry` (a path or URL) as `deno info --json` reports it. */
export async function loads(entry: string): Promise<Loads> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `deno info ${entry}: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  const info: Info = JSON.parse(new TextDecoder().decode(out.stdout));
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const resolve = (s: string) => info.redirects[s] ?? s;
  const reach = (withDynamic: boolean) => {
    const seen = new Set<string>();
    const todo = info.roots.map(resolve);
    while (todo.length > 0) {
      const s = todo.pop()!;
      if (seen.has(s)) continue;
      seen.add(s);
      for (const d of bySpecifier.get(s)?.dependencies ?? []) {
        if (d.code === undefined || (d.isDynamic === true && !withDynamic)) {
          continue;
        }
        todo.push(resolve(d.code.specifier));
      }
    }
    return seen;
  };
  return { atImport: reach(false), reachable: reach(true) };
}

/** The npm package names among `specifiers` (`npm:/name@version/sub` → `name`), sorted. */
export function npmPackages(specifiers: Iterable<string>): string[] {
  const names = new Set<string>();
  for (const s of specifiers) {
    const m = /^npm:\/?((?:@[^/@]+\/)?[^/@]+)/.exec(s);
    if (m !== null) names.add(m[1]);
  }
  return [...names].sort();
}

if (import.meta.main) {
  const entry = Deno.args.find((a) => !a.startsWith("--"));
  if (entry === undefined) {
    console.error("usage: tools/loads.ts <entry.ts> [--modules]");
    Deno.exit(2);
  }
  const { atImport, reachable } = await loads(entry);
  const local = (mods: Iterable<string>) => [...mods].filter((s) => s.startsWith("file:")).length;
  const later = [...reachable].filter((s) => !atImport.has(s));
  const now = npmPackages(atImport);
  console.log(entry);
  console.log(
    `  loaded on import: ${local(atImport)} local modules; npm: ${now.join(", ")}`,
  );
  console.log(
    `  only via import(): ${local(later)} local modules; npm: ${
      npmPackages(later).filter((n) => !now.includes(n)).join(", ") || "none"
    }`,
  );
  if (Deno.args.includes("--modules")) {
    for (const s of [...atImport].sort()) console.log(`    ${s}`);
  }
}
