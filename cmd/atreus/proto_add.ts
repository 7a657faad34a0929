// `atreus proto add`: Kratos's `kratos proto add`, a proto with CRUD-shaped RPCs whose package
// follows the path (api/shop/v1/cart.proto → package shop.v1, service Cart).
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, normalize, resolve, sep } from "node:path";
import { CliError, USAGE } from "./errors.ts";
import { checkIdentifier, serviceVars } from "./names.ts";
import { render } from "./render.ts";
import { protoTemplate, readTemplate } from "./templates.ts";

/** Options of {@linkcode addProto}. */
export interface ProtoAddOptions {
  /** Path of the new proto, relative to `dir`, e.g. `api/shop/v1/cart.proto`. */
  readonly path: string;
  /** The project directory; default the working directory. */
  readonly dir?: string;
}

/** What {@linkcode addProto} wrote. */
export interface ProtoAddResult {
  /** Absolute path of the new file. */
  readonly file: string;
  /** Its proto package. */
  readonly package: string;
  /** Its service name. */
  readonly service: string;
}

/** The proto package and file stem of a proto path (`api/` is the root of packages). */
export function protoPackage(path: string): { package: string; stem: string } {
  const rel = normalize(path).split(sep).join("/");
  if (isAbsolute(path) || rel.startsWith("../") || !rel.endsWith(".proto")) {
    throw new CliError(
      `invalid proto path "${path}": expected a relative path like api/shop/v1/shop.proto`,
      USAGE,
    );
  }
  const parts = rel.slice(0, -".proto".length).split("/");
  const stem = parts.pop() ?? "";
  const dirs = parts[0] === "api" ? parts.slice(1) : parts;
  if (dirs.length === 0) {
    throw new CliError(
      `invalid proto path "${path}": it needs a directory for the package, e.g. api/${stem}/v1/`,
      USAGE,
    );
  }
  for (const dir of dirs) checkIdentifier(dir, `package part "${dir}" of ${path}`);
  checkIdentifier(stem, `file name "${stem}" of ${path}`);
  return { package: dirs.join("."), stem };
}

/** Writes a new proto from the template; refuses to overwrite an existing file. */
export async function addProto(options: ProtoAddOptions): Promise<ProtoAddResult> {
  const { package: pkg, stem } = protoPackage(options.path);
  const file = resolve(options.dir ?? ".", options.path);
  if (existsSync(file)) throw new CliError(`${file} already exists`);
  const vars = serviceVars(stem, pkg);
  const text = render(await readTemplate(protoTemplate), vars, protoTemplate);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text, { flag: "wx" });
  return { file, package: pkg, service: vars.Name };
}
