// The HTTP plumbing under every backend client (etcd, Consul, Nacos), for config sources and
// registry adapters alike: every call bounded by a timeout and the caller's signal, failures
// named by the call that failed and turned into the caller's own error type.

/** The `fetch` a backend client uses; inject one for TLS settings, auth, proxies or tests. */
export type FetchLike = (input: Request | URL | string, init?: RequestInit) => Promise<Response>;

/** Why a call failed: the backend could not be reached in time, or answered wrongly. */
export type Failure = "unavailable" | "bad_response";

/** Makes the error a failed call throws (a ConfigError, a RegistryError…). */
export type ErrorFactory = (
  kind: Failure,
  message: string,
  details: { readonly status?: number; readonly cause?: unknown },
) => Error;

/** How a backend client reaches its server. */
export interface HttpClient {
  /** The fetch to use. */
  readonly fetch: FetchLike;
  /** Bound on one request (headers and body) in ms. */
  readonly timeoutMs: number;
  /** Headers sent with every request (auth tokens). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Builds the errors of failed calls. */
  readonly error: ErrorFactory;
}

/** A fully read response. */
export interface HttpResult {
  /** HTTP status. */
  readonly status: number;
  /** Response headers. */
  readonly headers: Headers;
  /** The body as text. */
  readonly text: string;
}

/** Options of one call. */
export interface CallOptions {
  /** HTTP method (default GET). */
  readonly method?: string;
  /** Request body. */
  readonly body?: string | URLSearchParams;
  /** Extra headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Caller's cancellation. */
  readonly signal?: AbortSignal;
  /** Overrides the client's timeout (blocking and long-poll queries). */
  readonly timeoutMs?: number;
  /** Statuses accepted besides 2xx (e.g. 404 on idempotent deletes). */
  readonly accept?: readonly number[];
}

/** The global fetch, looked up per call so tests and polyfills that replace it are seen. */
export const globalFetch: FetchLike = (input, init) => fetch(input, init);

/**
 * Performs one request and reads the whole body, all within the timeout. `what` names the call
 * in errors (`etcd: range /app/`); an unreachable server's errors also name `url`'s origin.
 */
export async function call(
  client: HttpClient,
  what: string,
  url: string,
  options: CallOptions = {},
): Promise<HttpResult> {
  const timeoutMs = options.timeoutMs ?? client.timeoutMs;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let response: Response;
  let text: string;
  try {
    response = await client.fetch(url, {
      method: options.method ?? "GET",
      body: options.body,
      headers: { ...client.headers, ...options.headers },
      signal,
    });
    text = await response.text();
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason ?? error;
    throw unreachable(client, what, url, error, timeout.aborted ? timeoutMs : undefined);
  }
  if (!response.ok && !options.accept?.includes(response.status)) {
    throw statusError(client, what, response.status, text);
  }
  return { status: response.status, headers: response.headers, text };
}

/** Parses a JSON body; a body that is not JSON is a `bad_response`. */
export function json(client: HttpClient, result: HttpResult, what: string): unknown {
  try {
    return JSON.parse(result.text);
  } catch (error) {
    throw client.error(
      "bad_response",
      `${what}: the answer is not JSON: ${snippet(result.text) || "an empty body"}`,
      { cause: error, status: result.status },
    );
  }
}

/**
 * Opens a streaming response: the timeout covers only the headers; the body stays open until
 * `abort` (or the caller's signal) ends it.
 */
export async function openStream(
  client: HttpClient,
  what: string,
  url: string,
  options: CallOptions & { readonly body: string },
): Promise<{ body: ReadableStream<Uint8Array>; abort: () => void }> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const timeoutMs = options.timeoutMs ?? client.timeoutMs;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const abort = () => {
    options.signal?.removeEventListener("abort", onAbort);
    controller.abort();
  };
  let response: Response;
  try {
    response = await client.fetch(url, {
      method: options.method ?? "POST",
      body: options.body,
      headers: { ...client.headers, ...options.headers },
      signal: controller.signal,
    });
  } catch (error) {
    abort();
    if (options.signal?.aborted) throw options.signal.reason ?? error;
    throw unreachable(client, what, url, error, timedOut ? timeoutMs : undefined);
  } finally {
    clearTimeout(timer);
  }
  if (!response.ok || !response.body) {
    const text = await response.text().catch(() => "");
    abort();
    throw statusError(client, what, response.status, text);
  }
  return { body: response.body, abort };
}

/** A `bad_response` for an unexpected HTTP status, with the start of the body. */
export function statusError(client: HttpClient, what: string, status: number, body: string) {
  const excerpt = snippet(body);
  return client.error("bad_response", `${what}: HTTP ${status}${excerpt ? ` ${excerpt}` : ""}`, {
    status,
  });
}

function unreachable(
  client: HttpClient,
  what: string,
  url: string,
  error: unknown,
  timeoutMs: number | undefined,
): Error {
  const detail = timeoutMs !== undefined
    ? `no answer within ${timeoutMs} ms`
    : error instanceof Error
    ? error.message
    : String(error);
  return client.error("unavailable", `${what} at ${originOf(url)}: ${detail}`, { cause: error });
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** The start of a body for an error message, white space folded. */
export function snippet(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 200 ? `${flat.slice(0, 197)}...` : flat;
}
