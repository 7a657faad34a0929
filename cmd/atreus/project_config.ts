// The generated project's deno.json. It is built as data rather than from a template because the
// import map depends on where Atreus comes from: JSR for users, a checkout while developing
// Atreus itself (JSR is not always reachable, and a checkout tests unreleased changes).
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { CliError, USAGE } from "./errors.ts";

/** The Atreus release new projects depend on by default. */
export const defaultAtreus = "jsr:@atreus/atreus@^0.1";

/**
 * npm packages the generated code imports directly. They must be the versions Atreus itself
 * uses, or messages and errors would come from two copies of a library (a test checks this).
 */
export const projectNpmImports: Readonly<Record<string, string>> = {
  "@bufbuild/protobuf": "npm:@bufbuild/protobuf@2.17.0",
  "@bufbuild/protobuf/": "npm:/@bufbuild/protobuf@2.17.0/",
  "@connectrpc/connect": "npm:@connectrpc/connect@2.2.0",
  // The HTTP server's app, for routes of its own such as /metrics.
  hono: "npm:hono@4.13.19",
};

/** Where a project gets Atreus from. */
export interface AtreusSource {
  /** Import map entries for `@atreus/atreus` and its subpaths. */
  readonly imports: Readonly<Record<string, string>>;
  /** Command line that runs the atreus CLI of that source (for the `gen` task). */
  readonly cli: string;
  /** The checkout's directory, when local. */
  readonly localRoot?: string;
}

/**
 * Resolves `--atreus`: a `jsr:` specifier (default {@linkcode defaultAtreus}) or the path of an
 * Atreus checkout, relative to `cwd`.
 */
export function resolveAtreus(
  spec: string = defaultAtreus,
  cwd: string = Deno.cwd(),
): AtreusSource {
  if (spec.startsWith("jsr:")) {
    const match = /^jsr:\/?(@[^/@]+\/[^/@]+)(@[^/]+)?$/.exec(spec);
    if (match === null) {
      throw new CliError(`--atreus ${spec}: expected jsr:@scope/name[@range]`, USAGE);
    }
    const base = `jsr:/${match[1]}${match[2] ?? ""}`;
    return {
      imports: { "@atreus/atreus": spec, "@atreus/atreus/": `${base}/` },
      cli: `deno run -A ${base.replace("jsr:/", "jsr:")}/cmd`,
    };
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(spec) && !isAbsolute(spec)) {
    throw new CliError(`--atreus ${spec}: expected a jsr: specifier or a directory`, USAGE);
  }
  return localAtreus(resolve(cwd, spec));
}

function localAtreus(root: string): AtreusSource {
  const configPath = join(root, "deno.json");
  if (!existsSync(configPath)) {
    throw new CliError(`--atreus ${root}: no deno.json there; expected an Atreus checkout`, USAGE);
  }
  const config = JSON.parse(readFileSync(configPath, "utf8")) as {
    name?: string;
    exports?: Record<string, string>;
  };
  if (config.name !== "@atreus/atreus" || config.exports === undefined) {
    throw new CliError(
      `--atreus ${root}: deno.json is not the @atreus/atreus package (name "${config.name}")`,
      USAGE,
    );
  }
  // Subpath exports are mapped one by one: a prefix mapping would point at directories, not
  // at their mod.ts.
  const imports: Record<string, string> = {};
  for (const [subpath, target] of Object.entries(config.exports)) {
    const key = subpath === "." ? "@atreus/atreus" : `@atreus/atreus/${subpath.slice(2)}`;
    imports[key] = join(root, target);
  }
  return {
    imports,
    cli: `deno run -A ${shellWord(join(root, "cmd/atreus/main.ts"))}`,
    localRoot: root,
  };
}

// deno task splits on whitespace, so a path with spaces or quotes needs quoting.
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'"'"'`)}'`;
}

/** The deno.json of a new project. */
export function projectConfig(atreus: AtreusSource): Record<string, unknown> {
  return {
    tasks: {
      // Not `deno run --watch`: its watcher survives the app's graceful stop on a signal.
      dev: `${atreus.cli} run`,
      start: "deno run -A main.ts",
      gen: `${atreus.cli} gen`,
      test: "deno test -A",
    },
    imports: { ...atreus.imports, ...projectNpmImports },
    // Without it Deno resolves and reads every module behind a literal `import()` (the OTel
    // SDK, the YAML and TOML parsers, Swagger UI, the listeners) when the app starts, though
    // Atreus imports them only on first use.
    unstable: ["lazy-dynamic-imports"],
    fmt: { lineWidth: 100, exclude: ["gen/"] },
    lint: { exclude: ["gen/"] },
  };
}
