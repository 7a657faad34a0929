// Content types of package files as JSR stores them: the media type Deno's loader derives from
// the extension (deno_media_type), and none for files it does not know, which the registry then
// serves as bytes. Deno refuses a module whose content type contradicts its extension, so these
// have to be right for `jsr:` imports to load at all.

const byExtension: ReadonlyArray<readonly [suffix: string, type: string]> = [
  [".d.mts", "text/typescript"],
  [".d.cts", "text/typescript"],
  [".d.ts", "text/typescript"],
  [".mts", "text/typescript"],
  [".cts", "text/typescript"],
  [".ts", "text/typescript"],
  [".tsx", "text/tsx"],
  [".mjs", "text/javascript"],
  [".cjs", "text/javascript"],
  [".js", "text/javascript"],
  [".jsx", "text/jsx"],
  [".json", "application/json"],
  [".map", "application/json"],
  [".css", "text/css"],
  [".wasm", "application/wasm"],
];

/** The content type JSR gives a package file, or undefined (served as application/octet-stream). */
export function contentTypeOf(path: string): string | undefined {
  const lower = path.toLowerCase();
  for (const [suffix, type] of byExtension) {
    if (lower.endsWith(suffix)) return type;
  }
  return undefined;
}
