// `atreus gen`: buf generate for a project, with protoc-gen-es and protoc-gen-atreus-errors put
// on PATH, so the project's buf.gen.yaml names plugins rather than machine-specific paths.
// Nothing has to be installed but Deno: a tool that is not found locally runs from its npm
// package (buf, protoc-gen-es) or from JSR (the errors plugin) through Deno.
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { CliError } from "./errors.ts";
import { atreusCheckout, findExecutable, toolDirs } from "./locate.ts";
import { version } from "./version.ts";

/** Options of {@linkcode generate}. */
export interface GenOptions {
  /** The project directory (holding buf.gen.yaml); default the working directory. */
  readonly dir?: string;
}

/** A command line: the program, then the arguments that come before the tool's own. */
export type CommandLine = readonly [program: string, ...args: string[]];

/** The commands one `buf generate` needs. */
export interface GenTools {
  /** The buf CLI. */
  readonly buf: CommandLine;
  /** protoc-gen-es. */
  readonly protocGenEs: CommandLine;
  /** protoc-gen-atreus-errors. */
  readonly protocGenAtreusErrors: CommandLine;
}

/** The npm package buf runs from when it is not installed (the version Atreus is tested with). */
export const bufPackage = "npm:@bufbuild/buf@1.75.0";

/**
 * The npm package protoc-gen-es runs from when it is not installed: the release of the
 * `@bufbuild/protobuf` that generated code imports (a test keeps them equal).
 */
export const protocGenEsPackage = "npm:@bufbuild/protoc-gen-es@2.17.0";

/** The errors plugin of this very release, on JSR. */
export const protocGenAtreusErrorsModule = `jsr:@atreus/atreus@${version}/protoc-gen-atreus-errors`;

// Tools run outside the project's config and lockfile: they are not the project's
// dependencies, and its deno.lock should not grow by buf's and protoc-gen-es's.
function denoRun(permissions: readonly string[], specifier: string): CommandLine {
  return [Deno.execPath(), "run", ...permissions, "--quiet", "--no-config", "--no-lock", specifier];
}

/**
 * The tools for the project at `dir`: buf and protoc-gen-es from `dirs` (default: the
 * project's and the Atreus checkout's node_modules/.bin, then PATH), else from npm; the errors
 * plugin from the checkout this CLI runs from, else `dirs`, else JSR at this CLI's version.
 */
export function findGenTools(
  dir: string,
  dirs: readonly string[] = toolDirs(dir, atreusCheckout()),
): GenTools {
  const local = (name: string) => {
    const found = findExecutable(name, dirs);
    return found === undefined ? undefined : [found] as const;
  };
  const checkout = atreusCheckout();
  const errorsPlugin: CommandLine | undefined = checkout === undefined
    ? local(
      "protoc-gen-atreus-errors",
    )
    : [
      Deno.execPath(),
      "run",
      "--allow-read",
      "--allow-env",
      "--quiet",
      "--config",
      join(checkout, "deno.json"),
      join(checkout, "cmd/protoc-gen-atreus-errors/main.ts"),
    ];
  return {
    buf: local("buf") ?? denoRun(["-A"], bufPackage),
    protocGenEs: local("protoc-gen-es") ??
      denoRun(["--allow-read", "--allow-env"], protocGenEsPackage),
    protocGenAtreusErrors: errorsPlugin ??
      denoRun(["--allow-read", "--allow-env"], protocGenAtreusErrorsModule),
  };
}

/** Runs `buf generate` in the project; throws a CliError with buf's output when it fails. */
export async function generate(options: GenOptions = {}): Promise<void> {
  const dir = resolve(options.dir ?? ".");
  if (!existsSync(join(dir, "buf.gen.yaml"))) {
    throw new CliError(`no buf.gen.yaml in ${dir}: not an Atreus project (see atreus new)`);
  }
  const tools = findGenTools(dir);
  const bin = await mkdtemp(join(tmpdir(), "atreus-gen-"));
  try {
    await writeShim(bin, "protoc-gen-es", tools.protocGenEs);
    await writeShim(bin, "protoc-gen-atreus-errors", tools.protocGenAtreusErrors);
    const [program, ...args] = tools.buf;
    let out: Deno.CommandOutput;
    try {
      out = await new Deno.Command(program, {
        args: [...args, "generate"],
        cwd: dir,
        env: { PATH: [bin, Deno.env.get("PATH") ?? ""].join(delimiter) },
        stdin: "null",
      }).output();
    } catch (e) {
      throw new CliError(`cannot run buf (${program}): ${(e as Error).message}`);
    }
    if (out.code !== 0) {
      const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
      throw new CliError(`buf generate failed in ${dir} (exit ${out.code}):\n${text.trimEnd()}`);
    }
  } finally {
    await rm(bin, { recursive: true, force: true });
  }
}

// buf finds `local:` plugins on PATH; a shim there runs the command line found above.
async function writeShim(bin: string, name: string, command: CommandLine): Promise<void> {
  if (Deno.build.os === "windows") {
    const line = command.map((word) => `"${word.replaceAll('"', '""')}"`).join(" ");
    await writeFile(join(bin, `${name}.cmd`), `@echo off\r\n${line} %*\r\n`);
    return;
  }
  const line = command.map((word) => `'${word.replaceAll("'", `'"'"'`)}'`).join(" ");
  await writeFile(join(bin, name), `#!/bin/sh\nexec ${line} "$@"\n`);
  await chmod(join(bin, name), 0o755);
}
