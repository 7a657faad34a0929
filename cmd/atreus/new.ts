// `atreus new`: a service in the Kratos layout. Names, paths and tools are checked and every
// file is rendered before the first one is written, so bad input leaves nothing behind.
import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { CliError, USAGE } from "./errors.ts";
import { checkServiceName, serviceVars } from "./names.ts";
import { projectConfig, resolveAtreus } from "./project_config.ts";
import { render } from "./render.ts";
import { projectTemplates, readTemplate } from "./templates.ts";
import { errorsProto, googleApiProto, googleApiProtos } from "./third_party.ts";

/** Options of {@linkcode newProject}. */
export interface NewOptions {
  /** Directory to create (must not exist or be empty); relative to `cwd`. */
  readonly dir: string;
  /** Service name; default the directory's name. */
  readonly name?: string;
  /** Where the project gets Atreus: a `jsr:` specifier (the default) or a checkout's path. */
  readonly atreus?: string;
  /** Base of relative paths; default the process's working directory. */
  readonly cwd?: string;
}

/** What {@linkcode newProject} created. */
export interface NewResult {
  /** Absolute project directory. */
  readonly dir: string;
  /** The service name. */
  readonly name: string;
  /** Files written, relative to `dir`, sorted. */
  readonly files: readonly string[];
}

/** Scaffolds a project; throws a CliError naming the problem (bad name, non-empty dir, …). */
export async function newProject(options: NewOptions): Promise<NewResult> {
  const cwd = options.cwd ?? Deno.cwd();
  const dir = resolve(cwd, options.dir);
  const name = options.name ?? basename(dir);
  try {
    checkServiceName(name);
  } catch (e) {
    if (options.name !== undefined || !(e instanceof CliError)) throw e;
    throw new CliError(
      `${e.message}\n(the name defaults to the directory's; pass --name <service> to set it)`,
      USAGE,
    );
  }
  checkTarget(dir);
  const atreus = resolveAtreus(options.atreus, cwd);

  const vars = serviceVars(name, `${name}.v1`);
  const files = new Map<string, string>();
  for (const { template, output } of projectTemplates) {
    files.set(render(output, vars, template), render(await readTemplate(template), vars, template));
  }
  files.set("deno.json", JSON.stringify(projectConfig(atreus), null, 2) + "\n");
  files.set("api/errors/errors.proto", await errorsProto());
  for (const proto of googleApiProtos) {
    files.set(join("third_party", proto), await googleApiProto(proto));
  }

  for (const [path, text] of files) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  await format(dir);
  return { dir, name, files: [...files.keys()].sort() };
}

// Where lines wrap depends on the length of the service name, so templates cannot be laid out
// for every name; deno fmt with the project's own config settles it.
async function format(dir: string): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--quiet"],
    cwd: dir,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
    throw new CliError(`deno fmt failed on the new project in ${dir}:\n${text.trimEnd()}`);
  }
}

function checkTarget(dir: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) {
    throw new CliError(`${dir} exists and is not a directory`);
  }
  const entries = readdirSync(dir);
  if (entries.length > 0) {
    throw new CliError(
      `${dir} is not empty (${entries.length} ${entries.length === 1 ? "entry" : "entries"}); ` +
        "choose a new or empty directory",
    );
  }
}
