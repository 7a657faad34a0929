// How a client classifies failures. A connection that cannot be made, or that breaks under a
// call, is reported as Unavailable — what gRPC clients report — whatever the runtime's own
// error looks like (fetch's TypeError, Node's ECONNRESET, an HTTP/2 GOAWAY). Retry, breakers and
// balancers then need to know one code, not every runtime's spelling of "connection lost".
import { Code, ConnectError } from "@connectrpc/connect";

/** The `redirect` a client's fetch is called with; either way a redirect fails the call. */
export type RedirectMode = "error" | "manual";

// Socket and HTTP/2 session errors that mean "the connection failed", not "the call failed".
const connectionErrorCodes = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ERR_HTTP2_GOAWAY_SESSION",
  "ERR_HTTP2_INVALID_SESSION",
  "ERR_HTTP2_SESSION_ERROR",
  "ERR_HTTP2_STREAM_CANCEL",
  "ERR_HTTP2_STREAM_ERROR",
  "ERR_STREAM_DESTROYED",
  "ERR_STREAM_PREMATURE_CLOSE",
  // TLS handshakes that failed: the node cannot be reached securely (gRPC's clients say
  // Unavailable too), whatever the certificate's problem.
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED",
  "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE",
  "ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE",
]);

function hasConnectionCode(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Object && depth < 8; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && connectionErrorCodes.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Wraps fetch so a request that never got a response (refused, reset, DNS) rejects with an
 * Unavailable ConnectError (aborts keep their own reason), and a redirect is an error on every
 * runtime. Connect-ES asks fetch for `redirect: "error"`, which Workers refuse outright, so
 * redirects are fetched `mode` ("manual" unless the fetch's own refusal is one the client
 * recognises, see RuntimeFetch) and turned into the error here.
 */
export function guardFetch(
  fetch: typeof globalThis.fetch,
  target: string,
  mode: RedirectMode = "manual",
): typeof globalThis.fetch {
  return async (input, init) => {
    const refuse = init?.redirect === "error";
    let res: Response;
    try {
      res = await fetch(input, refuse && mode !== "error" ? { ...init, redirect: mode } : init);
    } catch (error) {
      throw fetchFailure(error, init, target);
    }
    if (refuse && isRedirectResponse(res)) await refuseRedirect(res, target);
    return res;
  };
}

/**
 * What guardFetch makes of a fetch that failed: Unavailable, unless aborted or already Connect's,
 * or the redirect error for a redirect the fetch refused itself (`redirect: "error"`).
 */
export function fetchFailure(
  error: unknown,
  init: RequestInit | undefined,
  target: string,
): unknown {
  if (init?.signal?.aborted || error instanceof ConnectError) return error;
  if (init?.redirect === "error" && refusedRedirect(error)) return redirectError(target, "");
  return new ConnectError(
    `connection to ${target} failed: ${describe(error)}`,
    Code.Unavailable,
    undefined,
    undefined,
    error,
  );
}

/** Whether a response fetched `redirect: "manual"` is a redirect. */
export function isRedirectResponse(res: Response): boolean {
  return res.type === "opaqueredirect" || isRedirect(res.status);
}

/** The error guardFetch makes of a redirect (its body is let go). */
export async function refuseRedirect(res: Response, target: string): Promise<never> {
  await res.body?.cancel().catch(() => {});
  const location = res.headers.get("location");
  throw redirectError(target, ` (${res.status}${location ? ` to ${location}` : ""})`);
}

function redirectError(target: string, detail: string): ConnectError {
  return new ConnectError(
    `${target} answered with a redirect${detail}; clients do not follow redirects`,
    Code.Unknown,
  );
}

// Node's fetch (undici) refusing a redirect: "fetch failed", caused by "unexpected redirect",
// with neither the status nor the location.
function refusedRedirect(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 8; depth++) {
    if (e.message === "unexpected redirect") return true;
    e = e.cause;
  }
  return false;
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/**
 * The error a failed call surfaces: a connection-level failure (by its cause chain) becomes
 * Unavailable unless the caller aborted the call, and a cancellation the caller did not ask for
 * that comes once the call's deadline (`deadlineAt`) has passed is DeadlineExceeded — a server
 * enforcing the same deadline resets the stream (HTTP/2 CANCEL), and that reset can beat the
 * client's own timer; anything else is returned unchanged.
 */
export function normalizeFailure(
  error: unknown,
  signal: AbortSignal,
  deadlineAt?: number,
): unknown {
  if (signal.aborted || !(error instanceof ConnectError)) return error;
  if (error.code === Code.Canceled && deadlineAt !== undefined && Date.now() >= deadlineAt) {
    return new ConnectError(
      error.rawMessage,
      Code.DeadlineExceeded,
      error.metadata,
      undefined,
      error,
    );
  }
  if (error.code === Code.Unavailable || !hasConnectionCode(error)) return error;
  return new ConnectError(error.rawMessage, Code.Unavailable, error.metadata, undefined, error);
}

/** Whether a failure is the node's doing (so balancers steer away): unreachable or too slow. */
export function isNodeFailure(error: unknown): boolean {
  return error instanceof ConnectError &&
    (error.code === Code.Unavailable || error.code === Code.DeadlineExceeded);
}
