// protoc-gen-atreus-errors: Kratos's protoc-gen-go-errors for TypeScript, reading the same
// errors.proto options so one proto serves Go and TypeScript services.
import { createEcmaScriptPlugin, type Plugin } from "@bufbuild/protoplugin";
import { defaultErrorsImport, type ErrorsPluginOptions, generateTs } from "./generate.ts";

/** Plugin version, printed in generated files. */
export const version = "0.1.0";

/** The plugin; option `errors_import=<module>` changes where the runtime is imported from. */
export const protocGenAtreusErrors: Plugin = createEcmaScriptPlugin<ErrorsPluginOptions>({
  name: "protoc-gen-atreus-errors",
  version: `v${version}`,
  parseOptions(raw): ErrorsPluginOptions {
    let errorsImport = defaultErrorsImport;
    for (const { key, value } of raw) {
      if (key !== "errors_import") throw new Error(`unknown option "${key}"`);
      if (value === "") throw new Error(`option errors_import needs a module path`);
      errorsImport = value;
    }
    return { errorsImport };
  },
  generateTs,
});
