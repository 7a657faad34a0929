// Kratos's log.Filter: drop records below a level or matching a predicate, and mask the values
// of sensitive keys or sensitive values with "***". Unlike Kratos, masking also covers the
// prefix of a `with` logger beneath the filter, and key matching ignores case.
//
// Checks run cheapest first — the level, then the drop predicate on the record's own key/values
// — and only a record that passes both has its prefix valuers (timestamp, caller) evaluated.
import { type Level, levelEnabled } from "./level.ts";
import { type Logger, logRecord, PrefixLogger, takeRecord } from "./logger.ts";

/** What {@linkcode filter} drops or masks. */
export interface FilterOptions {
  /**
   * Records below this level are dropped. A function is asked on every record, for a level that
   * changes at run time (e.g. from watched config); `enabled()` answers with it too.
   */
  readonly level?: Level | (() => Level);
  /** Keys whose values are replaced with `***` (case-insensitive), e.g. `["password"]`. */
  readonly keys?: readonly string[];
  /** Values replaced with `***` wherever they appear, e.g. a known API key. */
  readonly values?: readonly unknown[];
  /**
   * Returns `true` to drop a record. It sees the level and the record's own key/values as the
   * call passed them, before masking and before the prefix of a `with` logger beneath is bound:
   * a predicate runs before any valuer does, so dropped records cost no timestamp or stack trace
   * (Kratos hands it the prefix unevaluated; its values are fixed per logger, or valuers).
   */
  readonly drop?: (level: Level, keyvals: readonly unknown[]) => boolean;
}

/** The mask written in place of filtered values. */
export const masked = "***";

/** Kratos's `log.NewFilter`: a logger that drops and masks records before `logger` sees them. */
export function filter(logger: Logger, options: FilterOptions): Logger {
  return new FilterLogger(logger, options);
}

class FilterLogger implements Logger {
  readonly #minimum: Level | (() => Level) | undefined;
  readonly #keys: ReadonlySet<string>;
  readonly #values: ReadonlySet<unknown>;
  readonly #drop: FilterOptions["drop"];
  readonly #inner: Logger;
  readonly #prefixed: PrefixLogger | undefined;

  constructor(inner: Logger, options: FilterOptions) {
    this.#inner = inner;
    this.#prefixed = inner instanceof PrefixLogger ? inner : undefined;
    this.#minimum = options.level;
    this.#keys = new Set((options.keys ?? []).map((k) => k.toLowerCase()));
    this.#values = new Set(options.values ?? []);
    this.#drop = options.drop;
  }

  log(level: Level, ...keyvals: unknown[]): void {
    this[takeRecord](level, keyvals);
  }

  [takeRecord](level: Level, keyvals: unknown[]): void {
    if (!this.enabled(level)) return;
    if (this.#drop?.(level, keyvals)) return;
    // Bind the prefix here so its values are masked too, then skip the prefix logger.
    const target = this.#prefixed?.inner ?? this.#inner;
    const all = this.#prefixed ? this.#prefixed.bind(level, keyvals) : keyvals;
    if (this.#keys.size > 0 || this.#values.size > 0) {
      for (let i = 1; i < all.length; i += 2) {
        const key = all[i - 1];
        if (
          (typeof key === "string" && this.#keys.has(key.toLowerCase())) ||
          this.#values.has(all[i])
        ) {
          all[i] = masked;
        }
      }
    }
    logRecord(target, level, all);
  }

  flush(signal?: AbortSignal): Promise<void> {
    return this.#inner.flush?.(signal) ?? Promise.resolve();
  }

  enabled(level: Level): boolean {
    const minimum = typeof this.#minimum === "function" ? this.#minimum() : this.#minimum;
    if (minimum !== undefined && !levelEnabled(level, minimum)) return false;
    return this.#inner.enabled?.(level) ?? true;
  }
}
