// What the client differential tests compare between Atreus's unary paths and Connect-ES's: a
// call's reply (message, headers, trailers) or its error (code, message, metadata), without the
// `date` header, which differs between two calls.
import { ConnectError } from "@connectrpc/connect";

/** A unary call's result as plain data, for `deepEqual` against the oracle's. */
export type Outcome =
  | { message: string; header: [string, string][]; trailer: [string, string][] }
  | { code: number; rawMessage: string; metadata: [string, string][] };

/** Runs `call` and describes how it ended. */
export async function outcomeOf(
  call: () => Promise<{ message: unknown; header: Headers; trailer: Headers }>,
): Promise<Outcome> {
  try {
    const res = await call();
    return {
      message: (res.message as { message: string }).message,
      header: [...res.header].filter(([k]) => k !== "date"),
      trailer: [...res.trailer],
    };
  } catch (e) {
    const error = ConnectError.from(e);
    return {
      code: error.code,
      rawMessage: error.rawMessage,
      metadata: [...error.metadata].filter(([k]) => k !== "date"),
    };
  }
}
