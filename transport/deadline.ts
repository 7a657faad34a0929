// The deadline rules of the servers: the timeout a request asks for, the bound of a unary call
// and the error when it expires. The deadline itself is in internal/deadline.ts.
import { parseTimeout as parseConnectTimeout } from "@connectrpc/connect/protocol-connect";
import { parseTimeout as parseGrpcTimeout } from "@connectrpc/connect/protocol-grpc";
import { Code, ConnectError } from "@connectrpc/connect";

export { deadlineKey, remainingMs } from "../internal/deadline.ts";

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
