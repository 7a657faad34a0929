// The default server middleware measured by the bench: recovery + metadata + logging into a
// discarding sink (the logging work is done; only the output is thrown away).
import { logging, recovery } from "../../middleware/mod.ts";
import * as metadata from "../../metadata/mod.ts";
import { createLogger, timestamp, with as withKeyvals } from "../../log/mod.ts";
import type { Middleware } from "../../transport/mod.ts";

/** recovery(), metadata.server(), logging.server() into a discarding logfmt writer. */
export function defaultMiddleware(): Middleware[] {
  // A sink that drops lines after formatting: the logging work is measured, not the output.
  const logger = withKeyvals(createLogger({ sink: () => {} }), "ts", timestamp());
  return [recovery({ logger }), metadata.server(), logging.server(logger)];
}
