// The call's deadline in the request context, so every downstream call made while serving it
// can send the time that is left (deadline propagation, like gRPC's context deadlines). Servers
// and the timeout middleware set it; clients and the retry middleware read it. The rules both
// servers and the timeout middleware bound a call by are here too, so they are written once.
import { createContextKey, getValue } from "./context.ts";
import type { ContextKey } from "./contract.ts";
import type { Expiry, ExpiryQueue } from "./expiry.ts";

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

/**
 * The budget of a call in ms: the time `given` (what the client asked for, or what is left of
 * the caller's deadline), shortened to `ownMs` (a server's or an operation's timeout; 0: none).
 * `undefined` when neither bounds it.
 */
export function budgetOf(ownMs: number, given: number | undefined): number | undefined {
  return ownMs > 0 && (given === undefined || ownMs < given) ? ownMs : given;
}

/**
 * Starts the clock of a deadline `budgetMs` from now. A budget of the length `shared` holds (a
 * server's or an operation's own timeout, the same for every call) rides on that queue's one
 * timer; any other (a client's shorter deadline) gets a timer of its own.
 */
export function startDeadline(
  budgetMs: number,
  onExpire: () => void,
  shared: ExpiryQueue | undefined,
): Expiry {
  if (shared !== undefined && shared.budgetMs === budgetMs) return shared.add(onExpire);
  const timer = setTimeout(onExpire, budgetMs);
  return { cancel: () => clearTimeout(timer) };
}
