// The call's deadline in the request context, so every downstream call made while serving it
// can send the time that is left (deadline propagation, like gRPC's context deadlines).
import { parseTimeout as parseConnectTimeout } from "@connectrpc/connect/protocol-connect";
import { parseTimeout as parseGrpcTimeout } from "@connectrpc/connect/protocol-grpc";
import { Code, ConnectError } from "@connectrpc/connect";
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

/**
 * The timeout a request asks for, from `connect-timeout-ms` or `grpc-timeout`, in ms — parsed
 * by Connect-ES's own parsers, so the fast path and the Connect-ES path read it alike.
 */
export function requestTimeoutMs(header: Headers): number | undefined {
  const connect = parseConnectTimeout(header.get("connect-timeout-ms"), Number.MAX_SAFE_INTEGER);
  if (connect.timeoutMs !== undefined) return connect.timeoutMs;
  return parseGrpcTimeout(header.get("grpc-timeout"), Number.MAX_SAFE_INTEGER).timeoutMs;
}

/**
 * The deadline of a unary call in ms: the one the client asked for, shortened to the server's
 * own timeout (`serverTimeoutMs` 0: none); `undefined` when neither bounds it.
 */
export function unaryBound(
  serverTimeoutMs: number,
  requested: number | undefined,
): number | undefined {
  return serverTimeoutMs > 0 && (requested === undefined || serverTimeoutMs < requested)
    ? serverTimeoutMs
    : requested;
}

/** The error of an expired unary deadline, worded as Connect-ES words a client deadline. */
export function deadlineExpired(bound: number, requestedByClient: boolean): ConnectError {
  return requestedByClient
    ? new ConnectError("the operation timed out", Code.DeadlineExceeded)
    : new ConnectError(`the server timeout of ${bound} ms expired`, Code.DeadlineExceeded);
}
