// Code generation: for every value of a top-level enum whose effective code (its own `code`
// option, else the enum's `default_code`) is set, an `is…` guard and an `error…` constructor.
// Codes are checked here, at generation time, so a bad one never reaches a running service.
import { getOption } from "@bufbuild/protobuf";
import type { DescEnum, DescEnumValue, DescFile } from "@bufbuild/protobuf";
import { type GeneratedFile, getComments, type Schema } from "@bufbuild/protoplugin";
import { code as codeOption, default_code as defaultCodeOption } from "./gen/errors/errors_pb.ts";
import { camelCase } from "./names.ts";

/** Options of the plugin. */
export interface ErrorsPluginOptions {
  /** Module the generated code imports the errors runtime from. */
  errorsImport: string;
}

/** Default module of the errors runtime. */
export const defaultErrorsImport = "@atreus/atreus/errors";

interface Helper {
  value: DescEnumValue;
  code: number;
  name: string;
}

/** Generates `<file>_errors.ts` for each requested file that has error enums. */
export function generateTs(schema: Schema<ErrorsPluginOptions>): void {
  for (const file of schema.files) {
    const helpers = collect(file);
    if (helpers.length === 0) continue;
    const f = schema.generateFile(file.name + "_errors.ts");
    f.preamble(file);
    for (const helper of helpers) printHelper(f, helper, schema.options.errorsImport);
  }
}

function collect(file: DescFile): Helper[] {
  const helpers: Helper[] = [];
  const names = new Map<string, DescEnumValue>();
  for (const enumDesc of file.enums) {
    const defaultCode = getOption(enumDesc, defaultCodeOption);
    if (defaultCode !== 0) {
      checkCode(defaultCode, `${enumDesc.typeName} (option default_code)`, file);
    }
    for (const value of enumDesc.values) {
      const code = getOption(value, codeOption) || defaultCode;
      if (code === 0) continue;
      const where = `${enumDesc.typeName}.${value.name}`;
      checkCode(code, where, file);
      const name = camelCase(value.name);
      if (name === "") fail(`${where}: cannot derive a function name from "${value.name}"`, file);
      const clash = names.get(name);
      if (clash !== undefined) {
        fail(
          `${where} and ${clash.parent.typeName}.${clash.name} both generate is${name}/error${name}`,
          file,
        );
      }
      names.set(name, value);
      helpers.push({ value, code, name });
    }
  }
  return helpers;
}

function checkCode(code: number, where: string, file: DescFile): void {
  if (!Number.isInteger(code) || code < 100 || code > 599) {
    fail(`${where}: code ${code} is not an HTTP status (100–599)`, file);
  }
}

function fail(message: string, file: DescFile): never {
  throw new Error(`${message} (in ${file.name}.proto)`);
}

function printHelper(f: GeneratedFile, { value, code, name }: Helper, from: string): void {
  const fromError = f.import("fromError", from);
  const newError = f.import("newError", from);
  const AtreusError = f.import("AtreusError", from, true);
  const ErrorMetadata = f.import("ErrorMetadata", from, true);
  const reason = value.name;
  const what = `reason \`${reason}\` and HTTP status ${code} (enum \`${value.parent.typeName}\`)`;
  const about = commentOf(value) ?? commentOf(value.parent);
  const doc = (summary: string) =>
    f.jsDoc(
      [about, summary, value.deprecated ? "@deprecated" : undefined]
        .filter((s) => s !== undefined).join("\n\n"),
    );
  f.print(doc(`Whether \`err\` carries ${what}.`));
  f.print(f.export("function", `is${name}`), "(err: unknown): boolean {");
  f.print("  const e = ", fromError, "(err);");
  f.print("  return e.reason === ", f.string(reason), " && e.code === ", code, ";");
  f.print("}");
  f.print();
  f.print(doc(`Creates an error with ${what}.`));
  f.print(
    f.export("function", `error${name}`),
    "(message: string, metadata?: ",
    ErrorMetadata,
    "): ",
    AtreusError,
    " {",
  );
  f.print("  const err = ", newError, "(", code, ", ", f.string(reason), ", message);");
  f.print("  return metadata === undefined ? err : err.withMetadata(metadata);");
  f.print("}");
  f.print();
}

// The leading comment, else the trailing one, as Kratos copies them.
function commentOf(desc: DescEnum | DescEnumValue): string | undefined {
  const { leading, trailing } = getComments(desc);
  const text = (leading ?? trailing ?? "").replace(/\n$/, "");
  if (text.trim() === "") return undefined;
  return text.split("\n").map((line) => line.startsWith(" ") ? line.slice(1) : line).join("\n");
}
