// The deadline rules of the servers, used alike by the fast path (transport/fastpath/call.ts) and
// the Connect-ES path (the transport interceptor in rpc.ts): the timeout a request asks for, the
// bound of a unary call, the race against it and the error when it expires. The deadline itself
// and the budget rule the timeout middleware shares are in internal/deadline.ts.
import { parseTimeout as parseConnectTimeout } from "@connectrpc/connect/protocol-connect";
import { parseTimeout as parseGrpcTimeout } from "@connectrpc/connect/protocol-grpc";
import { Code, ConnectError } from "@connectrpc/connect";
import { budgetOf, deadlineKey, startDeadline } from "../internal/deadline.ts";
import type { Expiry, ExpiryQueue } from "../internal/expiry.ts";
import type { ContextValues } from "../internal/contract.ts";

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
 * The deadline of a call in ms, recorded in `values` for propagation: a unary call's is the one
 * the client asked for shortened to the server's own timeout (`serverTimeoutMs` 0: none), a
 * stream's the client's alone; `undefined` when nothing bounds it.
 */
export function callDeadline(
  values: ContextValues,
  serverTimeoutMs: number,
  requested: number | undefined,
  stream: boolean,
): number | undefined {
  const bound = stream ? requested : budgetOf(serverTimeoutMs, requested);
  if (bound !== undefined) values.set(deadlineKey, Date.now() + bound);
  return bound;
}

/** The error of an expired unary deadline, worded as Connect-ES words a client deadline. */
export function deadlineExpired(bound: number, requestedByClient: boolean): ConnectError {
  return requestedByClient
    ? new ConnectError("the operation timed out", Code.DeadlineExceeded)
    : new ConnectError(`the server timeout of ${bound} ms expired`, Code.DeadlineExceeded);
}

/**
 * Settles as `work` does, unless the call's deadline (`bound` ms) passes first: then
 * `controller` (the handler's signal) is aborted with the deadline error and the result rejects
 * with it.
 * Deadlines of the server's own timeout share `expiries`' timer. `settled` runs once `work` has
 * settled, whichever came first (one reaction on `work` serves both).
 */
export function raceDeadline<T>(
  work: Promise<T>,
  bound: number,
  requested: number | undefined,
  controller: AbortController,
  expiries: ExpiryQueue,
  settled?: () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const expiry: Expiry = startDeadline(bound, () => {
      const error = deadlineExpired(bound, requested === bound);
      controller.abort(error);
      reject(error);
    }, expiries);
    work.then(
      (value) => {
        expiry.cancel();
        settled?.();
        resolve(value);
      },
      (error) => {
        expiry.cancel();
        settled?.();
        reject(error);
      },
    );
  });
}
