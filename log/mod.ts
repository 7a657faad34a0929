/**
 * Structured logging in Kratos's model: a {@linkcode Logger} takes a level and flat key/values;
 * `with` adds a prefix whose values may be valuers (timestamp, caller, trace and span ids, app
 * info) evaluated per record; {@linkcode filter} drops by level or predicate and masks keys or
 * values; {@linkcode Helper} adds `info` / `infof` / `infow`-style methods.
 *
 * Writers ({@linkcode createLogger}) print logfmt or JSON lines and never block the caller: lines
 * go to a bounded buffer drained asynchronously; when the sink falls behind, new lines are
 * dropped, counted, and reported by a `WARN` line once it catches up. Call `flush()` before exit.
 *
 * Valuers read the request context, so inside a server call trace ids and app info resolve by
 * themselves; elsewhere bind a context with {@linkcode withContext} or `Helper.withContext`.
 *
 * @example
 * ```ts
 * import * as log from "@atreus/atreus/log";
 * const logger = log.filter(
 *   log.with(log.createLogger({ format: "json" }),
 *     "ts", log.timestamp(), "caller", log.caller(),
 *     "service.name", log.serviceName(), "trace.id", log.traceId(), "span.id", log.spanId()),
 *   { level: "info", keys: ["password"] },
 * );
 * log.setLogger(logger);
 * const h = new log.Helper(logger);
 * h.infow("user signed in", "user", 42, "password", "hunter2"); // password=***
 * h.debugf("%d items", 3); // dropped: below info
 * await log.flush();
 * ```
 * @module
 */
export { type Level, levelKey, levels, parseLevel } from "./level.ts";
export {
  logGenerated,
  type Logger,
  logRecord,
  type ValueKey,
  type Valuer,
  type ValuerContext,
  type ValueReader,
  withContext,
  withKeyvals as with,
} from "./logger.ts";
export { filter, type FilterOptions } from "./filter.ts";
export { formatJson, formatLogfmt, type Formatter } from "./format.ts";
export { createLogger, type WriterLogger, type WriterOptions } from "./writer.ts";
export type { WriterStats } from "./buffer.ts";
export type { Sink } from "./sink.ts";
export { Helper, type HelperOptions } from "./helper.ts";
export { flush, getLogger, helper, setLogger } from "./global.ts";
export {
  caller,
  serviceId,
  serviceName,
  serviceVersion,
  spanId,
  timestamp,
  traceId,
} from "./valuers.ts";
