// The one error type the config package throws or reports, with a code to branch on.

/** What went wrong, as a machine-readable code. */
export type ConfigErrorCode =
  /** A document (file, etcd value…) could not be parsed in its format. */
  | "parse"
  /** A key's format (extension) has no decoder. */
  | "format"
  /** A placeholder could not be resolved or is malformed. */
  | "placeholder"
  /** A key that was asked for is not set. */
  | "not_found"
  /** A value has the wrong type for the accessor used. */
  | "type"
  /** Scanning into a schema failed validation. */
  | "validation"
  /** A source failed to load or watch (I/O, network, HTTP status). */
  | "source"
  /** The feature is not available on this runtime. */
  | "unsupported"
  /** The API was called wrongly (not loaded yet, loaded twice, used after close). */
  | "usage"
  /** `next()` on a watcher that `stop()` ended (the registry's watchers use the same code). */
  | "watcher_stopped";

/** Extra context attached to a {@linkcode ConfigError}. */
export interface ConfigErrorOptions {
  /** The underlying error. */
  cause?: unknown;
  /** The config key (dotted path) the error is about, when there is one. */
  key?: string;
  /** The name of the source involved, when there is one. */
  source?: string;
  /** Validation issues from a Standard Schema, when the code is `validation`. */
  issues?: readonly { message: string; path?: string }[];
}

/** An error from the config package; `code` says which kind. */
export class ConfigError extends Error {
  /** What went wrong. */
  readonly code: ConfigErrorCode;
  /** The config key involved, if any. */
  readonly key?: string;
  /** The source involved, if any. */
  readonly source?: string;
  /** Validation issues, for `validation` errors from a Standard Schema. */
  readonly issues?: readonly { message: string; path?: string }[];

  /** Creates an error with a code and a message that names the problem. */
  constructor(code: ConfigErrorCode, message: string, options: ConfigErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ConfigError";
    this.code = code;
    if (options.key !== undefined) this.key = options.key;
    if (options.source !== undefined) this.source = options.source;
    if (options.issues !== undefined) this.issues = options.issues;
  }
}

/** Wraps anything thrown into a ConfigError, keeping ConfigErrors as they are. */
export function toConfigError(
  e: unknown,
  code: ConfigErrorCode,
  prefix: string,
  source?: string,
): ConfigError {
  if (e instanceof ConfigError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new ConfigError(code, `${prefix}: ${message}`, { cause: e, source });
}

/** What a stopped watcher's pending and later `next()` calls reject with. */
export function watcherStopped(source: string): ConfigError {
  return new ConfigError("watcher_stopped", `${source}: the watcher was stopped`, { source });
}
