/**
 * The atreus CLI as a library: scaffold a service in the Kratos layout, generate its code with
 * buf, add protos, run it with restarts on change, and watch a fleet in a web console. Each command of `atreus` is a function
 * here; {@linkcode main} is the CLI itself.
 *
 * @example
 * ```ts
 * import { generate, newProject } from "@atreus/atreus/cmd";
 * const { dir } = await newProject({ dir: "shop" });
 * await generate({ dir });
 * ```
 *
 * Run it as a program: `deno run -A jsr:@atreus/atreus/cmd new shop`.
 * @module
 */
import { main } from "./cli.ts";

export { type CliIO, main } from "./cli.ts";
export { CliError, FAILURE, USAGE } from "./errors.ts";
export {
  bufPackage,
  type CommandLine,
  findGenTools,
  generate,
  type GenOptions,
  type GenTools,
  protocGenAtreusErrorsModule,
  protocGenEsPackage,
} from "./gen.ts";
export { type NewOptions, newProject, type NewResult } from "./new.ts";
export { addProto, type ProtoAddOptions, type ProtoAddResult, protoPackage } from "./proto_add.ts";
export { type RunOptions, runProject } from "./run.ts";
export { type ConsoleOptions, type ConsoleServer, startConsole } from "./console/mod.ts";
export { type AtreusSource, defaultAtreus, resolveAtreus } from "./project_config.ts";
export { version } from "./version.ts";

if (import.meta.main) Deno.exit(await main(Deno.args));
