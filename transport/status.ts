// The status a thrown error answers with, on both paths: the fast path converts at the end of
// its runner (asConnectError), the Connect-ES path in the outermost interceptor (rpc.ts, with
// fromAtreusError; Connect-ES's handlers then answer what is left untyped the way
// asConnectError does) — so an error reads the same whichever path served the call.
import { Code, ConnectError } from "@connectrpc/connect";
import { isAtreusError, toConnectError } from "../errors/mod.ts";

/** An AtreusError as the `ConnectError` carrying its ErrorInfo detail; anything else as it is. */
export function fromAtreusError(error: unknown): unknown {
  return isAtreusError(error) ? toConnectError(error) : error;
}

/**
 * Normalises anything thrown into the `ConnectError` that goes on the wire: AtreusErrors carry
 * their ErrorInfo detail and metadata; anything untyped becomes "internal error" (the message
 * is not leaked; the error stays its cause), as Connect-ES's handlers answer it.
 */
export function asConnectError(error: unknown): ConnectError {
  if (error instanceof ConnectError) return error;
  const converted = fromAtreusError(error);
  if (converted instanceof ConnectError) return converted;
  return new ConnectError("internal error", Code.Internal, undefined, undefined, error);
}
