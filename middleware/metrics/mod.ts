/**
 * Metrics middleware: `metrics.server()` and `metrics.client()` record RPC durations as
 * histograms in seconds (OpenTelemetry's semantic conventions, or Go Kratos's names with
 * `convention: "kratos"`) on an OpenTelemetry meter or on an in-process registry
 * (`createMetricsRegistry()`) served as Prometheus text by `metricsHandler`.
 *
 * @example
 * ```ts
 * import { createMetricsRegistry, metrics, metricsHandler } from "@atreus/atreus/middleware/metrics";
 * const registry = createMetricsRegistry();
 * const middleware = [metrics.server({ meter: registry })];
 * const serveMetrics = metricsHandler(registry); // mount at GET /metrics
 * ```
 * @module
 */
/** Metrics middleware: `metrics.server()` and `metrics.client()` (OpenTelemetry or a registry). */
export * as metrics from "./metrics.ts";
export type { MetricsConvention, MetricsOptions } from "./metrics.ts";
export {
  type CounterLike,
  createMetricsRegistry,
  type HistogramLike,
  type InstrumentOptionsLike,
  type MeterLike,
  type MetricAttributesLike,
  type MetricsRegistry,
} from "./registry.ts";
export { type Exposable, metricsHandler, PROMETHEUS_CONTENT_TYPE } from "./exposition.ts";
