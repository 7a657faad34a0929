// Composing middleware: the first is outermost, like Connect-ES's interceptor arrays and
// Kratos's middleware.Chain.
import { operationOf } from "../internal/operation.ts";
import type { CallRequest, Middleware, Next } from "../internal/contract.ts";

/** Composes middleware into one; the first runs outermost. */
export function chain(...middleware: readonly Middleware[]): Middleware {
  return (next: Next) => middleware.reduceRight((acc, m) => m(acc), next);
}

/** The operation of a call, `/pkg.Service/Method` (Kratos's transport `Operation()`). */
export function operation(req: CallRequest): string {
  return operationOf(req.service, req.method);
}
