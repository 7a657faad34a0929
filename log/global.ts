// The process-wide logger (Kratos's log.SetLogger/GetLogger). getLogger() returns a stable proxy,
// so code that captured it at import time still follows a later setLogger — the App sets the
// logger after the transports and middleware are built.
import { Helper } from "./helper.ts";
import type { Level } from "./level.ts";
import { type Logger, logRecord, takeRecord, type ValueReader, withKeyvals } from "./logger.ts";
import { timestamp } from "./valuers.ts";
import { createLogger } from "./writer.ts";

let current: Logger | undefined;

// Built on first use, so importing log/ opens no output.
function target(): Logger {
  return current ??= withKeyvals(createLogger(), "ts", timestamp());
}

const proxy: Logger & { [takeRecord](level: Level, keyvals: unknown[]): void } = {
  log: (level: Level, ...keyvals: unknown[]) => logRecord(target(), level, keyvals),
  [takeRecord]: (level: Level, keyvals: unknown[]) => logRecord(target(), level, keyvals),
  flush: (signal?: AbortSignal) => target().flush?.(signal) ?? Promise.resolve(),
  enabled: (level: Level) => target().enabled?.(level) ?? true,
};

const globalHelper = new Helper(proxy);

/** Replaces the global logger (the default writes logfmt with a timestamp to stdout). */
export function setLogger(logger: Logger): void {
  if (logger === proxy) return; // Setting the proxy to itself would loop.
  if (typeof logger?.log !== "function") {
    throw new TypeError("log: setLogger needs a Logger (an object with a log method)");
  }
  current = logger;
}

/** The global logger: a stable handle that always writes to the logger last set. */
export function getLogger(): Logger {
  return proxy;
}

/** A {@linkcode Helper} over the global logger (Kratos's `log.Context`), bound to `values` if given. */
export function helper(values?: ValueReader): Helper {
  return values === undefined ? globalHelper : globalHelper.withContext(values);
}

/** Waits for `logger`'s (by default the global logger's) buffered output, or for `signal`. */
export function flush(logger: Logger = proxy, signal?: AbortSignal): Promise<void> {
  return logger.flush?.(signal) ?? Promise.resolve();
}
