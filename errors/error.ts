// The error value: Kratos's Status (code, reason, message, metadata) plus a cause. `code` is an
// HTTP status, as in Kratos, so one value answers REST and RPC callers alike.

/** Metadata of an error: string values only, as `google.rpc.ErrorInfo.metadata` requires. */
export type ErrorMetadata = Readonly<Record<string, string>>;

/** Options of {@linkcode AtreusError}'s constructor. */
export interface AtreusErrorOptions {
  /** Extra key/values sent to the caller (ErrorInfo metadata on RPC, `metadata` in JSON). */
  readonly metadata?: ErrorMetadata;
  /** The underlying error; kept for logs, never sent to the caller. */
  readonly cause?: unknown;
}

// Registered symbol: errors made by another copy of this package (two versions in one graph)
// are still recognised.
const brand = Symbol.for("@atreus/atreus/errors.AtreusError");

/** An error with an HTTP status `code`, a machine-readable `reason`, `message` and `metadata`. */
export class AtreusError extends Error {
  /** HTTP status, 100–599. */
  readonly code: number;
  /** Machine-readable cause, e.g. `USER_NOT_FOUND` (an enum value name); may be empty. */
  readonly reason: string;
  /** Key/values for the caller. */
  readonly metadata: ErrorMetadata;
  /** The underlying error, if any. */
  override readonly cause: unknown;

  /** Creates an error; throws `RangeError`/`TypeError` on an invalid code or metadata. */
  constructor(code: number, reason: string, message: string, options: AtreusErrorOptions = {}) {
    super(message);
    this.name = "AtreusError";
    this.code = checkCode(code);
    if (typeof reason !== "string") {
      throw new TypeError(`errors: reason must be a string, got ${typeof reason}`);
    }
    this.reason = reason;
    this.metadata = checkMetadata(options.metadata);
    this.cause = options.cause;
  }

  /** A copy with `cause` as its cause. */
  withCause(cause: unknown): AtreusError {
    return new AtreusError(this.code, this.reason, this.message, {
      metadata: this.metadata,
      cause,
    });
  }

  /** A copy whose metadata is `metadata` (replacing, as Kratos's `WithMetadata` does). */
  withMetadata(metadata: ErrorMetadata): AtreusError {
    return new AtreusError(this.code, this.reason, this.message, { metadata, cause: this.cause });
  }

  /** Kratos's `Error()` text: `error: code = … reason = … message = … metadata = … cause = …`. */
  override toString(): string {
    return `error: code = ${this.code} reason = ${this.reason} message = ${this.message} ` +
      `metadata = ${JSON.stringify(this.metadata)} cause = ${describeCause(this.cause)}`;
  }

  /** The REST body, so `JSON.stringify(err)` gives `{code, reason, message, metadata}`. */
  toJSON(): { code: number; reason: string; message: string; metadata: ErrorMetadata } {
    return { code: this.code, reason: this.reason, message: this.message, metadata: this.metadata };
  }
}

Object.defineProperty(AtreusError.prototype, brand, { value: true });

/** Whether `value` is an {@linkcode AtreusError}, from this copy of the package or another. */
export function isAtreusError(value: unknown): value is AtreusError {
  return typeof value === "object" && value !== null &&
    (value instanceof AtreusError || (value as Record<symbol, unknown>)[brand] === true);
}

/** Creates an error with any HTTP status (Kratos's `errors.New`). */
export function newError(code: number, reason: string, message: string): AtreusError {
  return new AtreusError(code, reason, message);
}

/** 400 Bad Request. */
export function badRequest(reason: string, message: string): AtreusError {
  return new AtreusError(400, reason, message);
}

/** 401 Unauthorized. */
export function unauthorized(reason: string, message: string): AtreusError {
  return new AtreusError(401, reason, message);
}

/** 403 Forbidden. */
export function forbidden(reason: string, message: string): AtreusError {
  return new AtreusError(403, reason, message);
}

/** 404 Not Found. */
export function notFound(reason: string, message: string): AtreusError {
  return new AtreusError(404, reason, message);
}

/** 409 Conflict. */
export function conflict(reason: string, message: string): AtreusError {
  return new AtreusError(409, reason, message);
}

/** 429 Too Many Requests. */
export function tooManyRequests(reason: string, message: string): AtreusError {
  return new AtreusError(429, reason, message);
}

/** 500 Internal Server Error (Kratos's `InternalServer`). */
export function internal(reason: string, message: string): AtreusError {
  return new AtreusError(500, reason, message);
}

/** 503 Service Unavailable. */
export function serviceUnavailable(reason: string, message: string): AtreusError {
  return new AtreusError(503, reason, message);
}

/** 504 Gateway Timeout. */
export function gatewayTimeout(reason: string, message: string): AtreusError {
  return new AtreusError(504, reason, message);
}

/** 499 Client Closed Request (nginx's status for a caller that went away). */
export function clientClosed(reason: string, message: string): AtreusError {
  return new AtreusError(499, reason, message);
}

function checkCode(code: number): number {
  if (typeof code !== "number" || !Number.isInteger(code) || code < 100 || code > 599) {
    throw new RangeError(`errors: code must be an HTTP status (an integer 100–599), got ${code}`);
  }
  return code;
}

function checkMetadata(metadata: ErrorMetadata | undefined): ErrorMetadata {
  if (metadata === undefined) return Object.freeze({});
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) {
    throw new TypeError("errors: metadata must be an object of string values");
  }
  const entries = Object.entries(metadata);
  for (const [key, value] of entries) {
    if (typeof value !== "string") {
      throw new TypeError(
        `errors: metadata value of "${key}" must be a string, got ${typeof value}`,
      );
    }
  }
  // fromEntries defines own properties, so a "__proto__" key stays data.
  return Object.freeze(Object.fromEntries(entries));
}

function describeCause(cause: unknown): string {
  if (cause === undefined) return "<nil>";
  if (cause instanceof Error) return cause.message;
  return String(cause);
}
