// The server middleware the bench measures: recovery + metadata + logging, with the lines either
// formatted and thrown away, or written as logfmt to stdout (a file, in the bench).
import { logging, recovery } from "../../middleware/mod.ts";
import * as metadata from "../../metadata/mod.ts";
import * as log from "../../log/mod.ts";
import type { Middleware } from "../../transport/mod.ts";

/** recovery(), metadata.server(), logging.server() into a discarding logfmt writer. */
export function defaultMiddleware(): Middleware[] {
  // A sink that drops lines after formatting: the logging work is measured, not the output.
  const logger = log.with(log.createLogger({ sink: () => {} }), "ts", log.timestamp());
  return [recovery({ logger }), metadata.server(), logging.server(logger)];
}

/** The same chain logging logfmt to stdout at `level`, with a timestamp (and caller). */
export function fileLogMiddleware(
  options: { caller: boolean; level: log.Level },
): Middleware[] {
  const prefix: unknown[] = ["ts", log.timestamp()];
  if (options.caller) prefix.push("caller", log.caller());
  const logger = log.filter(log.with(log.createLogger({ format: "logfmt" }), ...prefix), {
    level: options.level,
  });
  return [recovery({ logger }), metadata.server(), logging.server(logger)];
}
