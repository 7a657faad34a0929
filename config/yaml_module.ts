// Loading the `yaml` package by its ES module build where that is possible. Its exports give
// Deno and Node (which both match the `node` condition before `default`) the CommonJS main,
// which Deno runs through its node:module emulation at a cost larger than the rest of config
// loading; the ESM build beside it is the same parser compiled as modules. It is imported by
// path, next to the main that the import map resolves, only when both are local files (a
// remote importer may not import a file: URL); anything that fails falls back to the package's
// own entry, so the parser is the same everywhere and only its loading differs. Node loads the
// CommonJS main faster than the ESM build (measured), so it keeps the package's entry; Bun, which
// also resolves the main, loads the ESM build faster.

/** The `yaml` package's module: its ESM build where it is on disk, else its resolved entry. */
export async function importYaml(): Promise<typeof import("yaml")> {
  const esm = esmBuild();
  if (esm !== undefined) {
    try {
      return await import(esm);
    } catch { /* not readable or not there: the package's own entry below */ }
  }
  return await import("yaml");
}

function esmBuild(): string | undefined {
  if (!("Deno" in globalThis || "Bun" in globalThis)) return undefined;
  if (!import.meta.url.startsWith("file:")) return undefined;
  let main: string;
  try {
    main = import.meta.resolve("yaml");
  } catch {
    return undefined;
  }
  const suffix = "/dist/index.js";
  if (!main.startsWith("file:") || !main.endsWith(suffix)) return undefined;
  return `${main.slice(0, -suffix.length)}/browser/index.js`;
}
