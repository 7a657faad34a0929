// How many names each entry point of deno.json's "exports" exports (from `deno doc --json`),
// split into values (functions, classes, constants, namespaces, enums) and types.
// `deno run --allow-run --allow-read tools/exports.ts [--names]`.
import { dirname, join } from "node:path";
import { readFileSync } from "node:fs";

interface Symbol {
  readonly name: string;
  readonly declarations: readonly { readonly kind: string }[];
}

const root = join(dirname(new URL(import.meta.url).pathname), "..");
const config = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));
const exportsMap: Record<string, string> = config.exports;
const typeKinds = new Set(["interface", "typeAlias"]);
let total = 0;
for (const [subpath, file] of Object.entries(exportsMap)) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", join(root, file)],
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  const doc = JSON.parse(new TextDecoder().decode(out.stdout));
  const symbols: Symbol[] = Object.values(
    doc.nodes as Record<string, { symbols: Symbol[] }>,
  )
    .flatMap((n) => n.symbols);
  const types = symbols.filter((s) => s.declarations.every((d) => typeKinds.has(d.kind)));
  total += symbols.length;
  console.log(
    `${subpath.padEnd(28)} ${String(symbols.length).padStart(3)} names ` +
      `(${symbols.length - types.length} values, ${types.length} types)`,
  );
  if (Deno.args.includes("--names")) {
    console.log(`    ${symbols.map((s) => s.name).sort().join(" ")}`);
  }
}
console.log(`${Object.keys(exportsMap).length} entry points, ${total} names`);
