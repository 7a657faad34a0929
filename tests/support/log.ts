// A writer into an array, for exact-output assertions.
import { createLogger, type WriterLogger } from "../../log/mod.ts";

/** A logfmt (or JSON) logger and the lines it has written. */
export function collector(format: "logfmt" | "json" = "logfmt"): {
  logger: WriterLogger;
  lines: string[];
} {
  const lines: string[] = [];
  return { logger: createLogger({ format, sink: (l) => void lines.push(l) }), lines };
}
