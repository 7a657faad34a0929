// REST error bodies in Kratos's shape, `{"code":404,"reason":"…","message":"…","metadata":{}}`,
// as Kratos's HTTP error encoder writes them and its client decodes them.
import { AtreusError, type ErrorMetadata } from "./error.ts";
import { fromError } from "./convert.ts";

/** The JSON body of an error response. */
export interface ErrorBody {
  /** HTTP status (also the response's status). */
  code: number;
  /** Machine-readable reason; may be empty. */
  reason: string;
  /** Human-readable message. */
  message: string;
  /** Key/values for the caller. */
  metadata: ErrorMetadata;
}

/** The REST body of any error. */
export function toJson(err: unknown): ErrorBody {
  return fromError(err).toJSON();
}

/**
 * Reads a REST error body (a JSON string or a parsed object) back into an error. `reason`,
 * `message` and `metadata` may be missing or null, as Go encoders leave empty fields; a body
 * that is not an error body throws a `TypeError` naming the field at fault.
 */
export function fromJson(body: unknown): AtreusError {
  let value = body;
  if (typeof body === "string") {
    try {
      value = JSON.parse(body);
    } catch (e) {
      throw new TypeError(`errors.fromJson: body is not JSON: ${(e as Error).message}`);
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`errors.fromJson: body must be a JSON object, got ${describe(value)}`);
  }
  const o = value as Record<string, unknown>;
  if (typeof o.code !== "number" || !Number.isInteger(o.code) || o.code < 100 || o.code > 599) {
    throw new TypeError(
      `errors.fromJson: "code" must be an HTTP status (an integer 100–599), got ${
        describe(o.code)
      }`,
    );
  }
  const reason = optionalString(o, "reason");
  const message = optionalString(o, "message");
  const metadata = o.metadata ?? undefined;
  if (metadata !== undefined && (typeof metadata !== "object" || Array.isArray(metadata))) {
    throw new TypeError(`errors.fromJson: "metadata" must be an object, got ${describe(metadata)}`);
  }
  for (const [key, v] of Object.entries(metadata ?? {})) {
    if (typeof v !== "string") {
      throw new TypeError(
        `errors.fromJson: "metadata.${key}" must be a string, got ${describe(v)}`,
      );
    }
  }
  return new AtreusError(o.code, reason, message, { metadata: metadata as ErrorMetadata });
}

function optionalString(o: Record<string, unknown>, field: string): string {
  const v = o[field];
  if (v === undefined || v === null) return "";
  if (typeof v !== "string") {
    throw new TypeError(`errors.fromJson: "${field}" must be a string, got ${describe(v)}`);
  }
  return v;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return typeof v;
}
