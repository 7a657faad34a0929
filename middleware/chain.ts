// Composing middleware: the first is outermost, like Connect-ES's interceptor arrays and
// Kratos's middleware.Chain.
import type { CallRequest, Middleware, Next } from "../transport/mod.ts";

/** Composes middleware into one; the first runs outermost. */
export function chain(...middleware: readonly Middleware[]): Middleware {
  return (next: Next) => middleware.reduceRight((acc, m) => m(acc), next);
}

// Built once per method: selectors, breakers, retry and recovery all ask on every call.
const operations = new WeakMap<object, string>();

/** The operation of a call, `/pkg.Service/Method` (Kratos's transport `Operation()`). */
export function operation(req: CallRequest): string {
  let op = operations.get(req.method);
  if (op === undefined) {
    op = `/${req.service.typeName}/${req.method.name}`;
    operations.set(req.method, op);
  }
  return op;
}
