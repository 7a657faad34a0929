// What is registered with OpenTelemetry's API, read where every copy of API 1.x registers it: its
// globals under the API's own key. The API's getters build objects on every call (a no-op
// propagator's empty field list), and the middleware asks on every call, since an SDK, a
// propagator or a context manager may be registered at any time.

const key = Symbol.for("opentelemetry.js.api.1");

/** Whether anything is registered globally as `type` (`"context"`, `"propagation"`, …). */
export function registered(type: "context" | "propagation" | "trace"): boolean {
  const api = (globalThis as Record<symbol, Record<string, unknown> | undefined>)[key];
  return Boolean(api?.[type]);
}
