// The one error type of the registry package: callers branch on `code`, never on messages.
import type { ErrorFactory } from "../internal/http.ts";

/** What went wrong, as a stable machine-readable code. */
export type RegistryErrorCode =
  /** The instance passed to register/deregister is malformed. */
  | "invalid_instance"
  /** A record read from the registry is malformed (skipped and reported by watchers). */
  | "invalid_record"
  /** An adapter option is malformed. */
  | "invalid_option"
  /** A call argument (e.g. a service name) is malformed. */
  | "invalid_argument"
  /** The registry could not be reached, or did not answer in time. */
  | "unavailable"
  /** The registry answered with an error status or an unexpected body. */
  | "bad_response"
  /** The watcher was stopped; pending and later `next()` calls reject with this. */
  | "watcher_stopped"
  /** The adapter was closed. */
  | "closed";

/** Options of `RegistryError`. */
export interface RegistryErrorOptions extends ErrorOptions {
  /** HTTP status of the response that caused the error, if any. */
  readonly status?: number;
}

/** An error raised by a registry adapter; `code` says what kind. */
export class RegistryError extends Error {
  /** The kind of failure. */
  readonly code: RegistryErrorCode;
  /** HTTP status of the response that caused the error, if any. */
  readonly status?: number;

  /** Creates an error of kind `code`. */
  constructor(code: RegistryErrorCode, message: string, options: RegistryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "RegistryError";
    this.code = code;
    if (options.status !== undefined) this.status = options.status;
  }
}

/** Wraps anything thrown into a `RegistryError` (kept as is when it already is one). */
export function toRegistryError(
  error: unknown,
  code: RegistryErrorCode,
  context: string,
): RegistryError {
  if (error instanceof RegistryError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new RegistryError(code, `${context}: ${detail}`, { cause: error });
}

/** The error factory of the adapters' backend clients: `unavailable` or `bad_response`. */
export const backendErrors: ErrorFactory = (kind, message, { status, cause }) =>
  new RegistryError(kind, message, { status, cause });
