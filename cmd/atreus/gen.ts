// `atreus gen`: buf generate for a project, with protoc-gen-es and protoc-gen-atreus-errors put
// on PATH, so the project's buf.gen.yaml names plugins rather than machine-specific paths.
import { existsSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { CliError } from "./errors.ts";
import { atreusCheckout, findExecutable, toolDirs } from "./locate.ts";

/** Options of {@linkcode generate}. */
export interface GenOptions {
  /** The project directory (holding buf.gen.yaml); default the working directory. */
  readonly dir?: string;
}

/** The executables one `buf generate` needs. */
export interface GenTools {
  /** The buf CLI. */
  readonly buf: string;
  /** protoc-gen-es. */
  readonly protocGenEs: string;
  /** protoc-gen-atreus-errors. */
  readonly protocGenAtreusErrors: string;
}

const installHint = "npm i -D @bufbuild/buf @bufbuild/protoc-gen-es";

/**
 * Finds buf and both plugins for the project at `dir` in `dirs` (default: the project's and
 * the Atreus checkout's node_modules/.bin, then PATH); throws naming what is missing.
 */
export function findGenTools(
  dir: string,
  dirs: readonly string[] = toolDirs(dir, atreusCheckout()),
): GenTools {
  const checkout = atreusCheckout();
  const buf = findExecutable("buf", dirs);
  const protocGenEs = findExecutable("protoc-gen-es", dirs);
  // The plugin ships next to this CLI in a checkout; from JSR it has to be on PATH.
  const bundled = checkout === undefined ? [] : [join(checkout, "cmd/protoc-gen-atreus-errors")];
  const protocGenAtreusErrors = findExecutable("protoc-gen-atreus-errors", [...bundled, ...dirs]);
  if (buf === undefined || protocGenEs === undefined) {
    const missing = buf === undefined && protocGenEs === undefined
      ? "buf and protoc-gen-es"
      : buf === undefined
      ? "buf"
      : "protoc-gen-es";
    throw new CliError(
      `${missing} not found in node_modules/.bin of the project` +
        `${checkout === undefined ? "" : " or of the Atreus checkout"}, nor on PATH.\n` +
        `Install in ${dir}: ${installHint}`,
    );
  }
  if (protocGenAtreusErrors === undefined) {
    throw new CliError(
      "protoc-gen-atreus-errors not found: run atreus from an Atreus checkout " +
        "(cmd/protoc-gen-atreus-errors ships there) or put the plugin on PATH",
    );
  }
  return { buf, protocGenEs, protocGenAtreusErrors };
}

/** Runs `buf generate` in the project; throws a CliError with buf's output when it fails. */
export async function generate(options: GenOptions = {}): Promise<void> {
  const dir = resolve(options.dir ?? ".");
  if (!existsSync(join(dir, "buf.gen.yaml"))) {
    throw new CliError(`no buf.gen.yaml in ${dir}: not an Atreus project (see atreus new)`);
  }
  const tools = findGenTools(dir);
  const path = [dirname(tools.protocGenEs), dirname(tools.protocGenAtreusErrors)];
  const out = await new Deno.Command(tools.buf, {
    args: ["generate"],
    cwd: dir,
    env: {
      PATH: [...path, Deno.env.get("PATH") ?? ""].join(delimiter),
      // The errors plugin is a Deno script; it must run on this very Deno.
      DENO: Deno.execPath(),
    },
    stdin: "null",
  }).output();
  if (out.code !== 0) {
    const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
    throw new CliError(`buf generate failed in ${dir} (exit ${out.code}):\n${text.trimEnd()}`);
  }
}
