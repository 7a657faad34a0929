// JSR's rules for the path of a file in a package (its `PackagePath`): what a tarball may hold
// before anything is stored. They keep packages installable on Windows and as npm tarballs.

const allowed = /^[A-Za-z0-9$()+\-.@[\]_{}~]$/;
const reserved = new Set([
  "con",
  "prn",
  "aux",
  "nul",
  ...[..."0123456789¹²³"].flatMap((d) => [`com${d}`, `lpt${d}`]),
]);

/** Why `path` (like `/mod.ts`) cannot be a file of a JSR package, or undefined when it can. */
export function packagePathProblem(path: string): string | undefined {
  if (path.length > 155) return `path is ${path.length} characters long (at most 155)`;
  if (!path.startsWith("/")) return "path must start with /";
  const parts = path.slice(1).split("/");
  for (const [i, part] of parts.entries()) {
    if (part === "") return i === parts.length - 1 ? "trailing slash" : "empty path segment";
    if (part === "." || part === "..") return `dot segment "${part}"`;
    const bad = [...part].find((c) => !allowed.test(c));
    if (bad !== undefined) return `character ${JSON.stringify(bad)} is not allowed`;
    if (part.endsWith(".")) return `segment "${part}" ends with a dot`;
    const dot = part.lastIndexOf(".");
    const base = (dot > 0 ? part.slice(0, dot) : part).toLowerCase();
    if (reserved.has(base)) return `"${part}" is a reserved name on Windows`;
    if (i === 0 && part.toLowerCase() === "_dist") return "/_dist/ is reserved for npm builds";
  }
  const last = parts[parts.length - 1];
  if (last.length > 95) return `file name is ${last.length} characters long (at most 95)`;
  return undefined;
}
