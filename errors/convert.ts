// Turning whatever was thrown into an AtreusError, following Kratos's errors.FromError: an
// AtreusError anywhere in the cause chain wins, then a status error (ConnectError), then the
// value itself as an internal error.
import { ConnectError } from "@connectrpc/connect";
import { AtreusError, isAtreusError } from "./error.ts";
import { fromConnectError } from "./error_info.ts";

// Cause chains are user data; a cycle or a runaway chain must not hang the caller.
const maxChain = 32;

/**
 * Converts any thrown value into an {@linkcode AtreusError}: itself, the first `AtreusError` in
 * its `cause` chain, a `ConnectError` (code mapped, reason and metadata from its ErrorInfo
 * detail), an `AbortError` (499) or `TimeoutError` (504), or else a 500 with the value's message.
 * There is no "no error": `undefined` and `null` become a 500 naming what was thrown.
 */
export function fromError(err: unknown): AtreusError {
  const coded = findCoded(err);
  if (coded !== undefined) return coded;
  if (err instanceof Error || isErrorLike(err)) {
    const { name, message } = err as { name: string; message: string };
    const code = name === "AbortError" ? 499 : name === "TimeoutError" ? 504 : 500;
    return new AtreusError(code, "", message, { cause: err });
  }
  if (typeof err === "string") return new AtreusError(500, "", err);
  return new AtreusError(500, "", `unknown error: ${safeString(err)} thrown`, { cause: err });
}

/** The HTTP status of any error (500 unless it carries one). */
export function code(err: unknown): number {
  return fromError(err).code;
}

/** The reason of any error (`""` unless it carries one). */
export function reason(err: unknown): string {
  return fromError(err).reason;
}

/**
 * Whether `err` (or an error in its cause chain) has the same code and reason as `target`, as
 * Kratos's `Error.Is` compares them. Errors that carry no code (plain `Error`s) match nothing.
 */
export function is(err: unknown, target: unknown): boolean {
  const a = findCoded(err);
  const b = findCoded(target);
  return a !== undefined && b !== undefined && a.code === b.code && a.reason === b.reason;
}

// The AtreusError or ConnectError the value carries, searching causes; AtreusErrors first, as
// a ConnectError made from one keeps it as its cause and the original is exact.
function findCoded(err: unknown): AtreusError | undefined {
  const chain = causeChain(err);
  const atreus = chain.find(isAtreusError);
  if (atreus !== undefined) return atreus;
  const connect = chain.find((e): e is ConnectError => e instanceof ConnectError);
  return connect === undefined ? undefined : fromConnectError(connect);
}

function causeChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  let current = err;
  while (current !== undefined && current !== null && chain.length < maxChain) {
    if (chain.includes(current)) break;
    chain.push(current);
    current = typeof current === "object" ? (current as { cause?: unknown }).cause : undefined;
  }
  return chain;
}

function isErrorLike(v: unknown): boolean {
  return typeof v === "object" && v !== null &&
    typeof (v as { message?: unknown }).message === "string" &&
    typeof (v as { name?: unknown }).name === "string";
}

function safeString(v: unknown): string {
  try {
    return String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}
