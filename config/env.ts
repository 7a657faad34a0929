// Environment variables as a source: flat names as top-level keys (Kratos: `${PORT}`), and
// names with a `__` separator as nested overrides (`APP__DATA__DATABASE__SOURCE` with prefix
// `APP_` → `data.database.source`). On Workers the env bindings are passed in.
import { nonEmptyString } from "../internal/options.ts";
import { ConfigError, toConfigError } from "./errors.ts";
import { isPlainObject, splitKey } from "./path.ts";
import type { KeyValue, Source } from "./types.ts";

/** Options of {@linkcode env}. */
export interface EnvOptions {
  /**
   * Only variables starting with it are read (`APP_`: `APP_PORT`, `APP__DATA__SOURCE`); it is
   * stripped with the `_` that follow it.
   */
  readonly prefix?: string;
  /** Separator of nested names; default `__`. */
  readonly separator?: string;
  /**
   * The variables to read instead of the process environment: on Workers pass the `env`
   * bindings (strings, numbers, booleans and plain objects are used, other bindings skipped).
   */
  readonly vars?: Readonly<Record<string, unknown>>;
}

/** A source reading environment variables (see {@linkcode EnvOptions}). */
export function env(options: EnvOptions = {}): Source {
  const prefix = options.prefix ?? "";
  const separator = options.separator ?? "__";
  nonEmptyString("env", "separator", separator);
  const nestedPrefix = prefix.replace(/_+$/, "") + separator;
  return {
    name: "env",
    load() {
      const vars = options.vars ?? processEnv();
      const out: KeyValue[] = [];
      for (const name of Object.keys(vars).sort()) {
        const value = vars[name];
        const usable = typeof value === "string" || typeof value === "number" ||
          typeof value === "boolean" || isPlainObject(value);
        if (!usable || !(name.startsWith(prefix) || name.startsWith(nestedPrefix))) continue;
        const mapped = envKey(name, prefix, separator);
        if (mapped === undefined) continue;
        // Flat names are Kratos-style placeholder inputs, not part of the config's shape.
        out.push({ key: mapped.key, value, format: "", origin: name, lookupOnly: !mapped.nested });
      }
      return Promise.resolve(out);
    },
  };
}

/**
 * The config key of a variable, or undefined for names that cannot be one. `PREFIX__A__B` is
 * nested even when the prefix ends in `_` (so `APP__DEBUG` with prefix `APP_` is `debug`);
 * otherwise a name is nested when it contains the separator and flat when not.
 */
function envKey(
  name: string,
  prefix: string,
  separator: string,
): { key: string; nested: boolean } | undefined {
  const base = prefix.replace(/_+$/, "");
  let rest: string;
  let nested = false;
  if (prefix !== "" && name.startsWith(base + separator)) {
    rest = name.slice(base.length + separator.length);
    nested = true;
  } else {
    rest = prefix === "" ? name : name.slice(prefix.length).replace(/^_+/, "");
    nested = rest.includes(separator);
  }
  if (rest === "") return undefined;
  if (!nested) return valid(rest) ? { key: rest, nested } : reject(name, prefix);
  const segments = rest.split(separator).map((s) => s.toLowerCase());
  const key = segments.join(".");
  return segments.every((s) => /^[a-z0-9_-]+$/.test(s)) && valid(key)
    ? { key, nested }
    : reject(name, prefix);
}

function valid(key: string): boolean {
  try {
    splitKey(key);
    return true;
  } catch {
    return false;
  }
}

// With a prefix the variables are the application's own, so a malformed one is a mistake to
// report; without one the whole process environment is read and foreign names are skipped.
function reject(name: string, prefix: string): undefined {
  if (prefix === "") return undefined;
  throw new ConfigError(
    "usage",
    `env: cannot map ${name} to a config key (nested names need non-empty segments of letters, digits, _ or -)`,
    { source: "env" },
  );
}

function processEnv(): Readonly<Record<string, unknown>> {
  const g = globalThis as {
    Deno?: { env?: { toObject(): Record<string, string> } };
    process?: { env?: Record<string, string | undefined> };
  };
  try {
    if (g.Deno?.env) return g.Deno.env.toObject();
  } catch (e) {
    throw toConfigError(e, "source", "env: cannot read the environment", "env");
  }
  if (g.process?.env) return g.process.env;
  throw new ConfigError(
    "unsupported",
    "env: this runtime has no process environment; on Workers pass the bindings as env({ vars: env })",
    { source: "env" },
  );
}
