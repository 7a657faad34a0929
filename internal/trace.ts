// Trace identity of the current call. The tracing middleware sets it; log valuers read it, so
// log/ needs no tracing SDK.
import { type ContextKey, createContextKey } from "./context.ts";

/** Ids of the active span, as lower-case hex strings. */
export interface TraceContext {
  /** 32 hex digits. */
  readonly traceId: string;
  /** 16 hex digits. */
  readonly spanId: string;
}

/** Context key of the active trace and span ids, `undefined` outside a traced call. */
export const traceContextKey: ContextKey<TraceContext | undefined> = createContextKey<
  TraceContext | undefined
>(undefined, { description: "atreus trace context" });
