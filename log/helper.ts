// Kratos's log.Helper: level methods over a Logger in three flavours — plain (`info(a, b)`),
// printf (`infof("%s", a)`) and key/value (`infow("msg", k, v)`). Formatting is skipped for
// levels a filter would drop.
import type { Level } from "./level.ts";
import { type Logger, type ValueReader, withContext } from "./logger.ts";
import { sprint, sprintf } from "./sprintf.ts";

/** Options of {@linkcode Helper}. */
export interface HelperOptions {
  /** Key of the message (default `"msg"`). */
  readonly messageKey?: string;
  /** Builds the message of the plain methods (default: values joined by spaces). */
  readonly sprint?: (...args: unknown[]) => string;
  /** Builds the message of the `…f` methods (default: Node's `util.format` verbs). */
  readonly sprintf?: (format: string, ...args: unknown[]) => string;
}

/** Default key of a record's message. */
export const defaultMessageKey = "msg";

/**
 * Leveled logging methods over a {@linkcode Logger}. Unlike Kratos, `fatal…` only logs at the
 * fatal level and does not exit: flush the logger and exit where the runtime allows it.
 */
export class Helper {
  readonly #logger: Logger;
  readonly #options: HelperOptions;
  readonly #key: string;
  readonly #sprint: (...args: unknown[]) => string;
  readonly #sprintf: (format: string, ...args: unknown[]) => string;

  /** Wraps `logger`. */
  constructor(logger: Logger, options: HelperOptions = {}) {
    this.#logger = logger;
    this.#options = options;
    this.#key = options.messageKey ?? defaultMessageKey;
    this.#sprint = options.sprint ?? sprint;
    this.#sprintf = options.sprintf ?? sprintf;
  }

  /** The wrapped logger. */
  get logger(): Logger {
    return this.#logger;
  }

  /** A helper whose valuers read `values` (e.g. `HandlerContext.values`) instead of the ambient context. */
  withContext(values: ValueReader): Helper {
    return new Helper(withContext(values, this.#logger), this.#options);
  }

  /** Whether a record at `level` would be written. */
  enabled(level: Level): boolean {
    return this.#logger.enabled?.(level) ?? true;
  }

  /** Writes raw key/values at `level`. */
  log(level: Level, ...keyvals: unknown[]): void {
    this.#logger.log(level, ...keyvals);
  }

  /** Debug: values joined into the message. */
  debug(...args: unknown[]): void {
    this.#plain("debug", args);
  }
  /** Debug: printf-style message. */
  debugf(format: string, ...args: unknown[]): void {
    this.#printf("debug", format, args);
  }
  /** Debug: message plus key/values. */
  debugw(message: string, ...keyvals: unknown[]): void {
    this.#logger.log("debug", this.#key, message, ...keyvals);
  }

  /** Info: values joined into the message. */
  info(...args: unknown[]): void {
    this.#plain("info", args);
  }
  /** Info: printf-style message. */
  infof(format: string, ...args: unknown[]): void {
    this.#printf("info", format, args);
  }
  /** Info: message plus key/values. */
  infow(message: string, ...keyvals: unknown[]): void {
    this.#logger.log("info", this.#key, message, ...keyvals);
  }

  /** Warn: values joined into the message. */
  warn(...args: unknown[]): void {
    this.#plain("warn", args);
  }
  /** Warn: printf-style message. */
  warnf(format: string, ...args: unknown[]): void {
    this.#printf("warn", format, args);
  }
  /** Warn: message plus key/values. */
  warnw(message: string, ...keyvals: unknown[]): void {
    this.#logger.log("warn", this.#key, message, ...keyvals);
  }

  /** Error: values joined into the message. */
  error(...args: unknown[]): void {
    this.#plain("error", args);
  }
  /** Error: printf-style message. */
  errorf(format: string, ...args: unknown[]): void {
    this.#printf("error", format, args);
  }
  /** Error: message plus key/values. */
  errorw(message: string, ...keyvals: unknown[]): void {
    this.#logger.log("error", this.#key, message, ...keyvals);
  }

  /** Fatal (does not exit): values joined into the message. */
  fatal(...args: unknown[]): void {
    this.#plain("fatal", args);
  }
  /** Fatal (does not exit): printf-style message. */
  fatalf(format: string, ...args: unknown[]): void {
    this.#printf("fatal", format, args);
  }
  /** Fatal (does not exit): message plus key/values. */
  fatalw(message: string, ...keyvals: unknown[]): void {
    this.#logger.log("fatal", this.#key, message, ...keyvals);
  }

  #plain(level: Level, args: unknown[]): void {
    if (!this.enabled(level)) return;
    this.#logger.log(level, this.#key, this.#sprint(...args));
  }

  #printf(level: Level, format: string, args: unknown[]): void {
    if (!this.enabled(level)) return;
    this.#logger.log(level, this.#key, this.#sprintf(format, ...args));
  }
}
