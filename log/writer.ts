// The loggers at the end of a chain: format each record on the caller's turn (valuers and the
// request context are only valid then), then hand the line to a bounded asynchronous buffer.
import { nonNegative, positiveInt } from "../internal/options.ts";
import { detectRuntime } from "../internal/runtime.ts";
import { LineBuffer, type WriterStats } from "./buffer.ts";
import { formatJson, formatLogfmt, type Formatter } from "./format.ts";
import type { Level } from "./level.ts";
import { type Logger, takeRecord } from "./logger.ts";
import { batchWriter, type Sink } from "./sink.ts";

/** Options of {@linkcode createLogger}. */
export interface WriterOptions {
  /** `"logfmt"` (default), `"json"`, or a function turning a record into a line. */
  readonly format?: "logfmt" | "json" | Formatter;
  /** Where lines go: `"stdout"` (default), `"stderr"`, `"discard"`, or a function per line. */
  readonly sink?: Sink;
  /** Lines that may wait for a slow sink before new ones are dropped (default 8192). */
  readonly maxBufferedLines?: number;
  /** Called when the sink or formatter fails (default: one report on the console). */
  readonly onError?: (err: unknown) => void;
  /**
   * How long lines may wait to be written together, in ms: 5 by default for `"stdout"` and
   * `"stderr"` (a write per request costs more than the request's line), 0 for a function sink
   * (its lines go at the end of each turn). `flush()` writes at once.
   */
  readonly batchWindowMs?: number;
}

/** A logger that writes lines to a sink. */
export interface WriterLogger extends Logger {
  /** Resolves once every line logged so far is written, or when `signal` aborts. */
  flush(signal?: AbortSignal): Promise<void>;
  /** Written, dropped, failed and pending line counts. */
  stats(): WriterStats;
}

const defaultMaxBufferedLines = 8192;
const defaultWindowMs = 5;

/**
 * Kratos's `log.NewStdLogger`, non-blocking: formats records as logfmt or JSON lines and writes
 * them asynchronously. A record without key/values is skipped, as in Kratos.
 */
export function createLogger(options: WriterOptions = {}): WriterLogger {
  const format = formatterOf(options.format ?? "logfmt");
  const max = options.maxBufferedLines ?? defaultMaxBufferedLines;
  positiveInt("log", "maxBufferedLines", max);
  const sink = options.sink ?? "stdout";
  const discard = sink === "discard";
  // On Workers a timer set in a request dies with it once the response is sent (and global scope
  // forbids timers): lines go out at the end of the turn there.
  const windowMs = options.batchWindowMs ??
    (typeof sink === "string" && detectRuntime() !== "workerd" ? defaultWindowMs : 0);
  nonNegative("log", "batchWindowMs", windowMs);
  const buffer = new LineBuffer(
    batchWriter(sink),
    max,
    (dropped) => format("warn", ["msg", "log buffer full, lines dropped", "dropped", dropped]),
    options.onError ?? reportOnce(),
    windowMs,
  );
  const take = (level: Level, keyvals: unknown[]): void => {
    if (discard || keyvals.length === 0) return;
    let line: string;
    try {
      line = format(level, keyvals);
    } catch (err) {
      buffer.fail(err);
      return;
    }
    buffer.push(line);
  };
  const logger = {
    log: (level: Level, ...keyvals: unknown[]): void => take(level, keyvals),
    [takeRecord]: take,
    flush: (signal?: AbortSignal) => buffer.flush(signal),
    stats: () => buffer.stats(),
  };
  return logger;
}

function formatterOf(format: WriterOptions["format"]): Formatter {
  if (typeof format === "function") return format;
  if (format === "logfmt") return formatLogfmt;
  if (format === "json") return formatJson;
  throw new TypeError(`log: unknown format ${JSON.stringify(format)} (want "logfmt" or "json")`);
}

// A broken sink would otherwise repeat its complaint on every batch.
function reportOnce(): (err: unknown) => void {
  let reported = false;
  return (err) => {
    if (reported) return;
    reported = true;
    console.error("log: writing failed, lines lost:", err);
  };
}
