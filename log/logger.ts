// The Logger contract (Kratos's `Log(level, keyvals...)`) and the two wrappers every chain is
// built from: a key/value prefix whose values may be valuers, and a bound request context.
import { getValue, runWithValues } from "../internal/context.ts";
import type { ContextValues } from "../internal/context.ts";
import type { Level } from "./level.ts";

/** Writes log records: a level and flat key/value pairs, `log("info", "msg", "hi", "user", 42)`. */
export interface Logger {
  /** Writes one record; never throws and never waits for output. */
  log(level: Level, ...keyvals: unknown[]): void;
  /** Resolves once buffered output is written (or `signal` aborts); for shutdown. */
  flush?(signal?: AbortSignal): Promise<void>;
  /** Whether a record at `level` would be written (filters answer; others say yes). */
  enabled?(level: Level): boolean;
}

/** A request-scoped key, the shape of Connect-ES's `ContextKey` (e.g. `appInfoKey`). */
export interface ValueKey<T> {
  /** Identity of the key. */
  readonly id: symbol;
  /** Value of an unset key. */
  readonly defaultValue: T;
}

/** Request-scoped values, the read side of Connect-ES's `ContextValues` (`HandlerContext.values`). */
export interface ValueReader {
  /** Reads a value, or the key's default. */
  get<T>(key: ValueKey<T>): T;
}

/** What a {@linkcode Valuer} sees when it runs. */
export interface ValuerContext {
  /** Level of the record being written. */
  readonly level: Level;
  /** Reads a request-scoped value; `undefined` outside a request. */
  value<T>(key: ValueKey<T>): T | undefined;
}

/**
 * A value computed on every write, for prefixes set with `with`: any
 * function among a prefix's values is a valuer (functions in a call's own key/values are not).
 */
export type Valuer = (ctx: ValuerContext) => unknown;

const readContext = <T>(key: ValueKey<T>): T | undefined => getValue(key);

// Loggers in this package also take a record as an array they may keep and change, which spares
// the rest-parameter copy each `log(level, ...keyvals)` hop costs (garbage on every call).
/** The record method of this package's loggers (not exported from `log/mod.ts`). */
export const takeRecord: unique symbol = Symbol("atreus.log.takeRecord");

interface RecordTaker {
  [takeRecord](level: Level, keyvals: unknown[]): void;
}

/**
 * Writes a record held in an array, handing the array over: `logger` may keep or change it, so
 * the caller must not reuse it. Same effect as `logger.log(level, ...keyvals)`, minus a copy.
 */
export function logRecord(logger: Logger, level: Level, keyvals: unknown[]): void {
  const taker = (logger as Partial<RecordTaker>)[takeRecord];
  if (taker !== undefined) taker.call(logger, level, keyvals);
  else logger.log(level, ...keyvals);
}

/** What a valuer returns to leave its key out of the record (`caller()` on generated lines). */
export const omitted: unique symbol = Symbol("atreus.log.omitted");

// Set while a generated record (see logGenerated) goes down the chain: writing is synchronous up
// to the writer's formatter, so the flag covers exactly that record's valuers.
let generating = false;

/** Whether the record being written was generated on a call's behalf (see logGenerated). */
export function isGenerated(): boolean {
  return generating;
}

/**
 * Writes a record that framework code generates on behalf of a call rather than user code
 * writing it (the logging middleware's line per call): `caller()` leaves its key out, since the
 * call site would always be the middleware itself. Otherwise the same as `logRecord`.
 */
export function logGenerated(logger: Logger, level: Level, keyvals: unknown[]): void {
  const outer = generating;
  generating = true;
  try {
    logRecord(logger, level, keyvals);
  } finally {
    generating = outer;
  }
}

/** A logger that puts `prefix` before every record's key/values (evaluating valuers). */
export class PrefixLogger implements Logger {
  readonly #hasValuer: boolean;

  /** Wraps `inner`; `prefix` holds key/value pairs whose values may be valuers. */
  constructor(readonly inner: Logger, readonly prefix: readonly unknown[]) {
    this.#hasValuer = prefix.some((v, i) => i % 2 === 1 && typeof v === "function");
  }

  /** The prefix with its valuers evaluated for a record at `level`, followed by `rest`. */
  bind(level: Level, rest: readonly unknown[] = []): unknown[] {
    // A new array: filters mask values in place.
    const prefix = this.prefix;
    const out = new Array<unknown>(prefix.length + rest.length);
    let ctx: ValuerContext | undefined;
    let n = 0;
    for (let i = 0; i < prefix.length; i++) {
      const v = prefix[i];
      if (i % 2 === 1 && this.#hasValuer && typeof v === "function") {
        ctx ??= { level, value: readContext };
        const value = runValuer(v as Valuer, ctx);
        if (value === omitted) {
          n--; // The key written just before goes too.
          continue;
        }
        out[n++] = value;
      } else {
        out[n++] = v;
      }
    }
    for (let i = 0; i < rest.length; i++) out[n++] = rest[i];
    if (n !== out.length) out.length = n;
    return out;
  }

  /** Writes one record with the prefix in front. */
  log(level: Level, ...keyvals: unknown[]): void {
    this[takeRecord](level, keyvals);
  }

  /** Writes one record whose key/values arrive as an array (no rest-argument copy). */
  [takeRecord](level: Level, keyvals: unknown[]): void {
    // Valuers such as caller() are costly: skip them for records a filter below would drop.
    if (this.inner.enabled?.(level) === false) return;
    logRecord(this.inner, level, this.bind(level, keyvals));
  }

  /** Flushes the wrapped logger. */
  flush(signal?: AbortSignal): Promise<void> {
    return this.inner.flush?.(signal) ?? Promise.resolve();
  }

  /** Whether the wrapped logger writes records at `level`. */
  enabled(level: Level): boolean {
    return this.inner.enabled?.(level) ?? true;
  }
}

// A throwing valuer costs its own value, not the record.
function runValuer(valuer: Valuer, ctx: ValuerContext): unknown {
  try {
    return valuer(ctx);
  } catch (e) {
    return `!valuer error: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/**
 * Kratos's `log.With`: a logger that adds `keyvals` before every record's own. Values that are
 * functions are {@linkcode Valuer}s, evaluated per record (`timestamp()`, `caller()`, …).
 * Prefixes of nested `with` calls are merged into one.
 */
export function withKeyvals(logger: Logger, ...keyvals: unknown[]): Logger {
  if (keyvals.length === 0) return logger;
  if (logger instanceof PrefixLogger) {
    return new PrefixLogger(logger.inner, [...logger.prefix, ...keyvals]);
  }
  return new PrefixLogger(logger, keyvals);
}

/**
 * Kratos's `log.WithContext`: a logger whose valuers read `values` instead of the ambient
 * request context, for writes outside it (e.g. from a stream body pulled by the runtime).
 */
export function withContext(values: ValueReader, logger: Logger): Logger {
  return new ContextLogger(logger, values as unknown as ContextValues);
}

class ContextLogger implements Logger {
  constructor(readonly inner: Logger, readonly values: ContextValues) {}

  log(level: Level, ...keyvals: unknown[]): void {
    runWithValues(this.values, () => this.inner.log(level, ...keyvals));
  }

  /** Flushes the wrapped logger. */
  flush(signal?: AbortSignal): Promise<void> {
    return this.inner.flush?.(signal) ?? Promise.resolve();
  }

  /** Whether the wrapped logger writes records at `level`. */
  enabled(level: Level): boolean {
    return this.inner.enabled?.(level) ?? true;
  }
}
