// Shared plumbing of the remote sources: fetch with a deadline and cancellation, and HTTP
// failures turned into `source` ConfigErrors that name the call.
import { ConfigError } from "./errors.ts";

/** The fetch function remote sources call; inject one for TLS settings, auth or tests. */
export type FetchFn = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * Calls `fetchFn`, aborting after `timeoutMs` or when `signal` aborts. The deadline covers the
 * whole body when `readText` is set (the default); otherwise only until the headers arrive.
 */
export async function fetchWithDeadline(
  fetchFn: FetchFn,
  url: string,
  init: RequestInit,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<{ response: Response; text: string }> {
  const controller = new AbortController();
  const abort = () => controller.abort(signal?.reason);
  if (signal?.aborted) abort();
  signal?.addEventListener("abort", abort, { once: true });
  const timer = setTimeout(
    () => controller.abort(new Error(`no answer within ${timeoutMs} ms`)),
    timeoutMs,
  );
  try {
    const response = await fetchFn(url, { ...init, signal: controller.signal });
    return { response, text: await response.text() };
  } catch (e) {
    if (controller.signal.aborted && !signal?.aborted) throw controller.signal.reason;
    throw e;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", abort);
  }
}

/** A `source` ConfigError for an unexpected HTTP status, with the start of the body. */
export function httpError(source: string, what: string, status: number, body: string): ConfigError {
  const excerpt = body.length > 200 ? `${body.slice(0, 197)}...` : body;
  return new ConfigError(
    "source",
    `${source}: ${what}: HTTP ${status}${excerpt ? ` ${excerpt}` : ""}`,
    {
      source,
    },
  );
}

/** Removes trailing slashes from an endpoint and checks it is an http(s) URL. */
export function normaliseEndpoint(source: string, endpoint: unknown): string {
  if (typeof endpoint !== "string" || !/^https?:\/\/[^/]/.test(endpoint)) {
    throw new ConfigError(
      "usage",
      `${source}: endpoint must be an http:// or https:// URL, got ${JSON.stringify(endpoint)}`,
      { source },
    );
  }
  return endpoint.replace(/\/+$/, "");
}
