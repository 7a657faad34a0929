/**
 * OpenTelemetry set up from the standard environment variables, for services that want spans
 * exported without writing SDK code: `setupTracing()` returns a tracer provider (or none, and
 * no SDK loaded, when no exporter is configured) that `tracing.server()`/`tracing.client()` (from
 * `@atreus/atreus/middleware/tracing`) use once registered, batched OTLP/HTTP export, and the
 * exporter's health in the logs.
 *
 * @example
 * ```ts
 * import { setupTracing } from "@atreus/atreus/otel";
 * // OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 turns it on
 * const telemetry = setupTracing({ serviceName: "shop", serviceVersion: "v1.0.0" });
 * // ... tracing.server() in the middleware; the SDK loads meanwhile, so before serving:
 * await telemetry.ready;
 * // ... on stop:
 * await telemetry.shutdown();
 * ```
 * @module
 */
export { type Env, setupTracing, type TracingSetup, type TracingSetupOptions } from "./tracing.ts";
export type { ExportHealth } from "./export_health.ts";
