/**
 * Tracing middleware on `@opentelemetry/api`, like Kratos's: `tracing.server()` opens a SERVER
 * span per served call, `tracing.client()` a CLIENT span per outgoing call, with W3C trace
 * context on the wire and the RPC semantic-convention attributes; log valuers see the trace
 * and span ids. Which SDK records the spans is the application's (see `@atreus/atreus/otel`).
 *
 * @example
 * ```ts
 * import { recovery } from "@atreus/atreus/middleware";
 * import { tracing } from "@atreus/atreus/middleware/tracing";
 * const middleware = [recovery(), tracing.server()];
 * ```
 * @module
 */
/** Tracing middleware: `tracing.server()` and `tracing.client()` on `@opentelemetry/api`. */
export * as tracing from "./tracing.ts";
export type { PropagatorLike, SpanHandle, TracerProviderLike, TracingOptions } from "./tracing.ts";
