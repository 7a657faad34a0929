// The protos a new project vendors, as Kratos layouts do: google/api annotations from the npm
// package google-proto-files (the BSR is not always reachable) and Atreus's errors options.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { CliError } from "./errors.ts";
import { readShipped } from "./templates.ts";

/** Files copied from google-proto-files, by path inside the package and in third_party/. */
export const googleApiProtos: readonly string[] = [
  "google/api/annotations.proto",
  "google/api/http.proto",
];

/**
 * The installed google-proto-files package: in `node_modules` or `tools/node_modules` of
 * `dirs` or any of their parents.
 */
export function findGoogleProtoFiles(dirs: readonly string[]): string {
  const looked: string[] = [];
  for (const start of dirs) {
    for (let dir = start;; dir = dirname(dir)) {
      for (const candidate of ["node_modules", "tools/node_modules"]) {
        const pkg = join(dir, candidate, "google-proto-files");
        looked.push(pkg);
        if (existsSync(join(pkg, googleApiProtos[0]))) return pkg;
      }
      if (dirname(dir) === dir) break;
    }
  }
  throw new CliError(
    "google-proto-files is not installed (it provides google/api/annotations.proto).\n" +
      "Install it where you run atreus: npm i -D google-proto-files\n" +
      `looked in:\n  ${[...new Set(looked)].join("\n  ")}`,
  );
}

/** Kratos's errors options (errors/errors.proto), as shipped with Atreus. */
export async function errorsProto(): Promise<string> {
  return await readShipped(new URL("../../errors/errors.proto", import.meta.url));
}
