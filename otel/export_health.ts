// The health of a span exporter, visible in the logs: a wrapper that reports failed exports at
// warn level — the first at once, later ones folded into one line per interval with counts —
// and one info line when exports work again. Exports themselves are untouched.
import type { ExportResult } from "@opentelemetry/core";
import { ExportResultCode } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace";
import type { Logger } from "../log/mod.ts";

/** Options of `withExportHealth()`. */
export interface ExportHealthOptions {
  /** Where the lines go. */
  readonly logger: Logger;
  /** Where spans are sent, named in the lines. */
  readonly endpoint: string;
  /** Least time between two warn lines (default 60 000). */
  readonly warnIntervalMs?: number;
  /** Clock in ms (default `Date.now`), injectable for tests. */
  readonly now?: () => number;
  /** The record to count into (default a new one), for a caller that hands it out first. */
  readonly health?: ExportHealthCounts;
}

/** What an exporter wrapped by `withExportHealth()` has seen. */
export interface ExportHealth {
  /** Batches exported. */
  readonly exported: number;
  /** Batches that failed. */
  readonly failed: number;
  /** Spans in the failed batches (dropped: the batch processor does not retry them). */
  readonly droppedSpans: number;
  /** The last failure's message, cleared by a success. */
  readonly lastError: string | undefined;
}

/** The record behind an `ExportHealth`, which `withExportHealth()` keeps counting into. */
export type ExportHealthCounts = { -readonly [K in keyof ExportHealth]: ExportHealth[K] };

/** `exporter`, reporting its failures and recovery through `options.logger`. */
export function withExportHealth(
  exporter: SpanExporter,
  options: ExportHealthOptions,
): SpanExporter & { readonly health: ExportHealth } {
  const { logger, endpoint } = options;
  const intervalMs = options.warnIntervalMs ?? 60_000;
  const now = options.now ?? Date.now;
  const health = options.health ??
    { exported: 0, failed: 0, droppedSpans: 0, lastError: undefined };
  // Failures not yet reported, and when the last warn line went out.
  let pendingBatches = 0;
  let pendingSpans = 0;
  let lastWarn = -Infinity;
  let failing = false;
  const report = (result: ExportResult, spans: number) => {
    if (result.code === ExportResultCode.SUCCESS) {
      health.exported++;
      if (failing) {
        failing = false;
        logger.log(
          "info",
          "msg",
          "trace export recovered",
          "endpoint",
          endpoint,
          "failed_batches",
          health.failed,
          "dropped_spans",
          health.droppedSpans,
        );
      }
      health.lastError = undefined;
      return;
    }
    health.failed++;
    health.droppedSpans += spans;
    health.lastError = result.error?.message ?? "export failed";
    failing = true;
    pendingBatches++;
    pendingSpans += spans;
    const t = now();
    if (t - lastWarn < intervalMs) return;
    lastWarn = t;
    logger.log(
      "warn",
      "msg",
      "trace export failed",
      "endpoint",
      endpoint,
      "error",
      health.lastError,
      "batches",
      pendingBatches,
      "dropped_spans",
      pendingSpans,
    );
    pendingBatches = 0;
    pendingSpans = 0;
  };
  return {
    health,
    export(spans: ReadableSpan[], done: (result: ExportResult) => void) {
      exporter.export(spans, (result) => {
        try {
          report(result, spans.length);
        } finally {
          done(result);
        }
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}
