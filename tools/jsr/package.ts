// What JSR does with an uploaded tarball before a version exists: unpack it, check every entry
// and the package config the way the registry does, and compute the version manifest (size and
// sha256 of every file) that Deno verifies each downloaded module against.
import { unpackTar } from "modern-tar";
import { packagePathProblem } from "./paths.ts";

/** JSR's limits on one file and on a whole version. */
export const maxFileBytes = 20 * 1024 * 1024;
/** JSR's limit on the files of a version together. */
export const maxTotalBytes = 20 * 1024 * 1024;

/** A publish the registry refuses, with JSR's error code. */
export class PublishError extends Error {
  /** JSR's error code, e.g. `invalidPath` or `configFileNameMismatch`. */
  readonly code: string;

  /** `code` is JSR's camelCase error code. */
  constructor(code: string, message: string) {
    super(message);
    this.name = "PublishError";
    this.code = code;
  }
}

/** One file of a published version. */
export interface PackageFile {
  /** Its bytes, exactly as uploaded. */
  readonly bytes: Uint8Array;
  /** `sha256-<hex>`, as in the manifest. */
  readonly checksum: string;
}

/** A version as the registry serves it. */
export interface PublishedVersion {
  /** Scope without `@`. */
  readonly scope: string;
  /** Package name within the scope. */
  readonly name: string;
  /** Exact version. */
  readonly version: string;
  /** Files by path (`/mod.ts`). */
  readonly files: ReadonlyMap<string, PackageFile>;
  /** Exports in JSR's normalised object form (`{ ".": "./mod.ts" }`). */
  readonly exports: Readonly<Record<string, string>>;
  /** When it was published. */
  readonly createdAt: Date;
}

/** What is being published, from the API call's path and query. */
export interface PublishTarget {
  /** Scope without `@`. */
  readonly scope: string;
  /** Package name. */
  readonly name: string;
  /** Version from the URL. */
  readonly version: string;
  /** Path of the config file inside the tarball (`/deno.json`). */
  readonly config: string;
}

/** Unpacks and checks an uploaded (already gunzipped) tarball. */
export async function processTarball(
  tar: Uint8Array,
  target: PublishTarget,
  createdAt: Date = new Date(),
): Promise<PublishedVersion> {
  const files = new Map<string, PackageFile>();
  const lowerCase = new Map<string, string>();
  let total = 0;
  let entries;
  try {
    // A parser that keeps names as they are: one that cleans `..` or `\` away would hide
    // exactly what JSR refuses.
    entries = await unpackTar(tar);
  } catch (e) {
    throw new PublishError("invalidTarball", `cannot read the tarball: ${(e as Error).message}`);
  }
  for (const { header, data } of entries) {
    const path = header.name.startsWith("./")
      ? header.name.slice(1)
      : header.name.startsWith("/")
      ? header.name
      : `/${header.name}`;
    if (header.type === "directory") continue;
    if (header.type === "symlink" || header.type === "link") {
      throw new PublishError("linkInTarball", `${path} is a link; only regular files are allowed`);
    }
    if (header.type !== "file" && header.type !== undefined) {
      throw new PublishError("invalidEntryType", `${path} is a ${header.type}, not a file`);
    }
    const problem = packagePathProblem(path);
    if (problem !== undefined) throw new PublishError("invalidPath", `${path}: ${problem}`);
    if (path.startsWith("/.git/")) {
      throw new PublishError("invalidGitPath", `${path}: .git/ must not be published`);
    }
    if (header.size > maxFileBytes) {
      throw new PublishError("fileTooLarge", `${path} is ${header.size} bytes (at most 20 MB)`);
    }
    total += header.size;
    if (total > maxTotalBytes) {
      throw new PublishError("packageTooLarge", `the files exceed 20 MB at ${path}`);
    }
    const clash = lowerCase.get(path.toLowerCase());
    if (clash !== undefined) {
      throw new PublishError(
        "caseInsensitiveDuplicatePath",
        `${path} and ${clash} differ only in case`,
      );
    }
    lowerCase.set(path.toLowerCase(), path);
    const bytes = data ?? new Uint8Array();
    files.set(path, { bytes, checksum: await sha256(bytes) });
  }
  const exports = checkConfig(files, target);
  return { ...target, files, exports, createdAt };
}

interface PackageConfig {
  name?: unknown;
  version?: unknown;
  exports?: unknown;
  license?: unknown;
}

// The config file must name this package and version, export at least one file that exists,
// and carry a license (the field or a LICENSE file), as JSR requires.
function checkConfig(
  files: ReadonlyMap<string, PackageFile>,
  target: PublishTarget,
): Record<string, string> {
  const file = files.get(target.config);
  if (file === undefined) {
    throw new PublishError("missingConfigFile", `${target.config} is not in the tarball`);
  }
  let config: PackageConfig;
  try {
    config = JSON.parse(new TextDecoder().decode(file.bytes));
  } catch (e) {
    throw new PublishError("invalidConfigFile", `${target.config}: ${(e as Error).message}`);
  }
  const wanted = `@${target.scope}/${target.name}`;
  if (config.name !== wanted) {
    throw new PublishError(
      "configFileNameMismatch",
      `${target.config} names ${JSON.stringify(config.name)}, the upload is for ${wanted}`,
    );
  }
  if (config.version !== undefined && config.version !== target.version) {
    throw new PublishError(
      "configFileVersionMismatch",
      `${target.config} has version ${
        JSON.stringify(config.version)
      }, the upload ${target.version}`,
    );
  }
  const exports = normaliseExports(config.exports, target.config);
  for (const [key, value] of Object.entries(exports)) {
    if (!files.has(value.slice(1))) {
      throw new PublishError(
        "configFileExportsInvalid",
        `export "${key}" points at ${value}, which is not in the package`,
      );
    }
  }
  const hasLicenseFile = ["/LICENSE", "/LICENSE.md", "/LICENSE.txt", "/license", "/license.md"]
    .some((path) => files.has(path));
  if (typeof config.license !== "string" && !hasLicenseFile) {
    throw new PublishError("missingLicense", "no license field and no LICENSE file");
  }
  return exports;
}

function normaliseExports(exports: unknown, config: string): Record<string, string> {
  const entries: [string, unknown][] = typeof exports === "string"
    ? [[".", exports]]
    : exports !== null && typeof exports === "object"
    ? Object.entries(exports)
    : [];
  if (entries.length === 0) {
    throw new PublishError("configFileExportsInvalid", `${config}: no exports`);
  }
  const out: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (key !== "." && !key.startsWith("./")) {
      throw new PublishError("configFileExportsInvalid", `export key "${key}" must start with ./`);
    }
    if (typeof value !== "string") {
      throw new PublishError("configFileExportsInvalid", `export "${key}" is not a path`);
    }
    out[key] = value.startsWith("./") ? value : `./${value}`;
  }
  return out;
}

/** `sha256-<hex>` of `bytes`, JSR's checksum format. */
export async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>),
  );
  return `sha256-${Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** `meta.json` of a package: its versions and the latest one. */
export function packageMeta(versions: readonly PublishedVersion[]): Record<string, unknown> {
  const [first] = versions;
  const sorted = [...versions].sort((a, b) => compareSemver(b.version, a.version));
  const latest = sorted.find((v) => !v.version.includes("-"))?.version ?? null;
  return {
    scope: first.scope,
    name: first.name,
    latest,
    versions: Object.fromEntries(
      sorted.map((v) => [v.version, { createdAt: v.createdAt.toISOString() }]),
    ),
  };
}

/**
 * `<version>_meta.json`: the manifest and exports. JSR adds `moduleGraph2`, deno_graph's
 * analysis of each module, as a hint that saves Deno parsing; it is optional, and without it
 * Deno parses the modules it downloads.
 */
export function versionMeta(version: PublishedVersion): Record<string, unknown> {
  const manifest: Record<string, { size: number; checksum: string }> = {};
  for (const [path, file] of [...version.files].sort(([a], [b]) => a < b ? -1 : 1)) {
    manifest[path] = { size: file.bytes.length, checksum: file.checksum };
  }
  return { manifest, exports: version.exports };
}

// Release versions order by their numbers; a pre-release sorts before its release.
function compareSemver(a: string, b: string): number {
  const [coreA, preA = ""] = a.split("-", 2);
  const [coreB, preB = ""] = b.split("-", 2);
  const na = coreA.split(".").map(Number);
  const nb = coreB.split(".").map(Number);
  for (let i = 0; i < 3; i++) if (na[i] !== nb[i]) return na[i] - nb[i];
  if (preA === preB) return 0;
  if (preA === "") return 1;
  if (preB === "") return -1;
  return preA < preB ? -1 : 1;
}
