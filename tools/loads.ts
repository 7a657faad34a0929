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

const entry = Deno.args.find((a) => !a.startsWith("--"));
if (entry === undefined) {
  console.error("usage: tools/loads.ts <entry.ts> [--modules]");
  Deno.exit(2);
}
const out = await new Deno.Command(Deno.execPath(), { args: ["info", "--json", entry] }).output();
if (!out.success) {
  console.error(new TextDecoder().decode(out.stderr));
  Deno.exit(1);
}
const info: Info = JSON.parse(new TextDecoder().decode(out.stdout));
const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
const resolve = (s: string) => info.redirects[s] ?? s;

function reach(withDynamic: boolean): Set<string> {
  const seen = new Set<string>();
  const todo = info.roots.map(resolve);
  while (todo.length > 0) {
    const s = todo.pop()!;
    if (seen.has(s)) continue;
    seen.add(s);
    for (const d of bySpecifier.get(s)?.dependencies ?? []) {
      if (d.code === undefined || (d.isDynamic === true && !withDynamic)) continue;
      todo.push(resolve(d.code.specifier));
    }
  }
  return seen;
}

// npm:/name@version/sub or npm:name@version → name
function npmName(specifier: string): string | undefined {
  const m = /^npm:\/?((?:@[^/@]+\/)?[^/@]+)/.exec(specifier);
  return m?.[1];
}

function summary(mods: Set<string>) {
  const npm = new Set<string>();
  let local = 0;
  for (const s of mods) {
    const name = npmName(s);
    if (name !== undefined) npm.add(name);
    else if (s.startsWith("file:")) local++;
  }
  return { npm: [...npm].sort(), local };
}

const atImport = reach(false);
const all = reach(true);
const now = summary(atImport);
const later = summary(new Set([...all].filter((s) => !atImport.has(s))));
console.log(`${entry}`);
console.log(`  loaded on import: ${now.local} local modules; npm: ${now.npm.join(", ") || "none"}`);
console.log(
  `  only via import(): ${later.local} local modules; npm: ${
    later.npm.filter((n) => !now.npm.includes(n)).join(", ") || "none"
  }`,
);
if (Deno.args.includes("--modules")) {
  for (const s of [...atImport].sort()) console.log(`    ${s}`);
}
