// The call's deadline in the request context, so every downstream call made while serving it
// can send the time that is left (deadline propagation, like gRPC's context deadlines). Servers
// and the timeout middleware set it; clients and the retry middleware read it.
import { createContextKey, getValue } from "./context.ts";
import type { ContextKey } from "./contract.ts";

/** Context key of the current call's deadline (epoch ms), `undefined` when unbounded. */
export const deadlineKey: ContextKey<number | undefined> = createContextKey<number | undefined>(
  undefined,
  { description: "atreus deadline" },
);

/** Milliseconds left before the current call's deadline, or `undefined` without one. */
export function remainingMs(): number | undefined {
  const deadline = getValue(deadlineKey);
  return deadline === undefined ? undefined : Math.max(0, deadline - Date.now());
}
