// Command-line dispatch: parses flags per command and turns CliErrors into a message and an
// exit code. Everything else lives in the command modules, which are usable without it.
import { relative } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { startConsole } from "./console/mod.ts";
import { CliError, USAGE } from "./errors.ts";
import { generate } from "./gen.ts";
import { commandHelp, overview } from "./help.ts";
import { newProject } from "./new.ts";
import { addProto } from "./proto_add.ts";
import { runProject } from "./run.ts";
import { version } from "./version.ts";

/** Where the CLI prints; tests capture it. */
export interface CliIO {
  /** Normal output (results, help asked for). */
  out(line: string): void;
  /** Errors and progress. */
  err(line: string): void;
}

const consoleIO: CliIO = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
};

/** Runs the CLI with `args` (without the program name) and resolves with the exit code. */
export async function main(args: readonly string[], io: CliIO = consoleIO): Promise<number> {
  try {
    return await dispatch(args, io);
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    io.err(`atreus: ${e.message}`);
    if (e.exitCode === USAGE) io.err("Run atreus help for usage.");
    return e.exitCode;
  }
}

async function dispatch(args: readonly string[], io: CliIO): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case undefined:
      io.err(overview);
      return USAGE;
    case "help":
    case "-h":
    case "--help":
      return help(rest, io);
    case "version":
    case "-v":
    case "--version":
      parse("version", rest, {}, 0);
      io.out(`atreus ${version}`);
      return 0;
    case "new":
      return await newCommand(rest, io);
    case "gen":
      return await genCommand(rest, io);
    case "proto":
      return await protoCommand(rest, io);
    case "run":
      return await runCommand(rest, io);
    case "console":
      return await consoleCommand(rest, io);
    default:
      throw new CliError(`unknown command "${command}"`, USAGE);
  }
}

function help(args: readonly string[], io: CliIO): number {
  if (args.length === 0) {
    io.out(overview);
    return 0;
  }
  const text = commandHelp[args[0]];
  if (text === undefined || args.length > 1) {
    throw new CliError(`help: unknown command "${args.join(" ")}"`, USAGE);
  }
  io.out(text);
  return 0;
}

async function newCommand(args: readonly string[], io: CliIO): Promise<number> {
  const parsed = parse("new", args, {
    name: { type: "string" },
    atreus: { type: "string" },
  }, 1);
  if (parsed === undefined) return usage("new", io);
  const { values, positionals } = parsed;
  const result = await newProject({
    dir: positionals[0],
    name: stringFlag(values.name),
    atreus: stringFlag(values.atreus),
  });
  io.out(`created ${result.name} in ${result.dir}:`);
  for (const file of result.files) io.out(`  ${file}`);
  io.out("next:");
  io.out(`  cd ${relative(Deno.cwd(), result.dir) || "."}`);
  io.out("  deno task gen    # buf generate: api/ and internal/conf/ → gen/");
  io.out("  deno task dev    # HTTP :8000, gRPC :9000");
  return 0;
}

async function genCommand(args: readonly string[], io: CliIO): Promise<number> {
  const parsed = parse("gen", args, { dir: { type: "string" } }, 0);
  if (parsed === undefined) return usage("gen", io);
  const dir = stringFlag(parsed.values.dir) ?? ".";
  await generate({ dir });
  io.out(`generated ${relative(Deno.cwd(), `${dir}/gen`) || "gen"}`);
  return 0;
}

async function protoCommand(args: readonly string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "-h" || sub === "--help") return usage("proto", io);
  if (sub !== "add") {
    throw new CliError(
      sub === undefined
        ? "proto: missing subcommand (add)"
        : `proto: unknown subcommand "${sub}" (want add; atreus gen generates the code)`,
      USAGE,
    );
  }
  const parsed = parse("proto add", rest, { dir: { type: "string" } }, 1);
  if (parsed === undefined) return usage("proto", io);
  const result = await addProto({
    path: parsed.positionals[0],
    dir: stringFlag(parsed.values.dir),
  });
  io.out(`created ${result.file} (package ${result.package}, service ${result.service})`);
  io.out("next: atreus gen");
  return 0;
}

async function runCommand(args: readonly string[], io: CliIO): Promise<number> {
  const split = args.indexOf("--");
  const own = split < 0 ? args : args.slice(0, split);
  const forwarded = split < 0 ? [] : args.slice(split + 1);
  const parsed = parse("run", own, {
    dir: { type: "string" },
    "no-watch": { type: "boolean" },
    "watch-dir": { type: "string" },
  }, 0);
  if (parsed === undefined) return usage("run", io);
  return await runProject({
    dir: stringFlag(parsed.values.dir),
    args: forwarded,
    watch: parsed.values["no-watch"] !== true,
    watchDir: stringFlag(parsed.values["watch-dir"]),
    log: (line) => io.err(line),
  });
}

async function consoleCommand(args: readonly string[], io: CliIO): Promise<number> {
  const parsed = parse("console", args, {
    registry: { type: "string" },
    endpoints: { type: "string", multiple: true },
    listen: { type: "string" },
    "allow-calls": { type: "boolean" },
    token: { type: "string" },
  }, 0);
  if (parsed === undefined) return usage("console", io);
  const { values } = parsed;
  const endpoints = values.endpoints as unknown as string[] | undefined;
  const console = await startConsole({
    registry: stringFlag(values.registry),
    endpoints,
    listen: stringFlag(values.listen),
    allowCalls: values["allow-calls"] === true,
    token: stringFlag(values.token) ?? (Deno.env.get("ATREUS_CONSOLE_TOKEN") || undefined),
  });
  const calls = values["allow-calls"] === true ? "calls allowed" : "calls disabled (--allow-calls)";
  io.out(`atreus console: serving ${console.url} (${console.source}; ${calls})`);
  // Stop on the first SIGINT/SIGTERM; the console holds no work worth draining for.
  const { promise: stop, resolve } = Promise.withResolvers<Deno.Signal>();
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  const listeners = signals.map((s) => [s, () => resolve(s)] as const);
  for (const [s, f] of listeners) Deno.addSignalListener(s, f);
  try {
    const signal = await stop;
    io.err(`atreus console: ${signal}, stopping`);
  } finally {
    for (const [s, f] of listeners) Deno.removeSignalListener(s, f);
    await console.close();
  }
  io.out("atreus console: stopped");
  return 0;
}

function usage(command: string, io: CliIO): number {
  io.out(commandHelp[command]);
  return 0;
}

interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

// Parses flags strictly, with --help/-h on every command; undefined means help was asked for.
function parse(
  command: string,
  args: readonly string[],
  options: NonNullable<ParseArgsConfig["options"]>,
  positionals: number,
): Parsed | undefined {
  let parsed: Parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    }) as Parsed;
  } catch (e) {
    // Node's messages go on with advice about `--`; the first sentence is the diagnosis.
    const message = e instanceof Error ? e.message.split(/\.\s/)[0] : String(e);
    throw new CliError(`${command}: ${message}`, USAGE);
  }
  if (parsed.values.help === true) return undefined;
  if (parsed.positionals.length !== positionals) {
    const want = positionals === 0 ? "no arguments" : `${positionals} argument`;
    throw new CliError(
      `${command}: expected ${want}, got ${parsed.positionals.length}` +
        (parsed.positionals.length > 0 ? ` (${parsed.positionals.join(" ")})` : ""),
      USAGE,
    );
  }
  return parsed;
}

function stringFlag(value: string | boolean | string[] | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}
