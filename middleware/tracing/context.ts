// The span of the call being served (or made), in the request context. Without an
// OpenTelemetry context manager registered, `context.active()` knows nothing of the server
// span; this key is how a client call made while serving finds its parent.
import { createContextKey } from "../../internal/context.ts";
import type { ContextKey } from "../../internal/contract.ts";

/**
 * The parts of an OpenTelemetry `Span` handlers use: ids, attributes, events. The span
 * `tracing.activeSpan()` returns is an OpenTelemetry span, so this is a narrowed view of it.
 */
export interface SpanHandle {
  /** The span's ids and flags. */
  spanContext(): { readonly traceId: string; readonly spanId: string; readonly traceFlags: number };
  /** Whether the span records (false without an SDK or when not sampled). */
  isRecording(): boolean;
  /** Sets an attribute. */
  setAttribute(key: string, value: string | number | boolean): unknown;
  /** Adds an event. */
  addEvent(name: string, attributes?: Record<string, string | number | boolean>): unknown;
}

/** Context key of the active span, set by `tracing.server()` and, for its scope, `tracing.client()`. */
export const activeSpanKey: ContextKey<SpanHandle | undefined> = createContextKey<
  SpanHandle | undefined
>(undefined, { description: "atreus active span" });
