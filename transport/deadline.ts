// The call's deadline in the request context, so every downstream call made while serving it
// can send the time that is left (deadline propagation, like gRPC's context deadlines).
import { createContextKey, getValue } from "../internal/context.ts";
import type { ContextKey } from "./types.ts";

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

const grpcUnits: Record<string, number> = {
  H: 3_600_000,
  M: 60_000,
  S: 1_000,
  m: 1,
  u: 0.001,
  n: 0.000001,
};

/** The timeout a request asks for, from `connect-timeout-ms` or `grpc-timeout`, in ms. */
export function requestTimeoutMs(header: Headers): number | undefined {
  const connect = header.get("connect-timeout-ms");
  if (connect !== null && /^\d{1,10}$/.test(connect)) return Number(connect);
  const grpc = header.get("grpc-timeout");
  const m = grpc?.match(/^(\d{1,8})([HMSmun])$/);
  if (m) return Math.ceil(Number(m[1]) * grpcUnits[m[2]]);
  return undefined;
}
