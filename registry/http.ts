// The HTTP plumbing the network adapters share: every call bounded by a timeout (and the
// caller's signal), failures turned into RegistryErrors that say which call failed and why.
import { RegistryError } from "./errors.ts";
import type { FetchLike } from "./registry.ts";

/** How an adapter reaches its backend. */
export interface HttpClient {
  /** The fetch to use. */
  readonly fetch: FetchLike;
  /** Bound on one request (headers and body) in ms. */
  readonly timeoutMs: number;
  /** Headers sent with every request (auth tokens). */
  readonly headers?: Readonly<Record<string, string>>;
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
  readonly body?: string;
  /** Extra headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Caller's cancellation. */
  readonly signal?: AbortSignal;
  /** Overrides the client's timeout (long-poll queries). */
  readonly timeoutMs?: number;
  /** Statuses accepted besides 2xx (e.g. 404 on idempotent deletes). */
  readonly accept?: readonly number[];
}

/** Performs one request and reads the whole body, all within the timeout. */
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
    throw unreachable(what, error, timeout.aborted ? timeoutMs : undefined);
  }
  if (!response.ok && !options.accept?.includes(response.status)) {
    throw new RegistryError(
      "bad_response",
      `${what}: HTTP ${response.status}${text ? `: ${snippet(text)}` : ""}`,
      { status: response.status },
    );
  }
  return { status: response.status, headers: response.headers, text };
}

/** Parses a JSON body, throwing `bad_response` when it is not JSON. */
export function json(result: HttpResult, what: string): unknown {
  try {
    return JSON.parse(result.text);
  } catch (error) {
    throw new RegistryError(
      "bad_response",
      `${what}: expected JSON, got ${snippet(result.text) || "an empty body"}`,
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
  try {
    const response = await client.fetch(url, {
      method: options.method ?? "POST",
      body: options.body,
      headers: { ...client.headers, ...options.headers },
      signal: controller.signal,
    });
    if (!response.ok || !response.body) {
      const text = await response.text().catch(() => "");
      throw new RegistryError(
        "bad_response",
        `${what}: HTTP ${response.status}${text ? `: ${snippet(text)}` : ""}`,
        { status: response.status },
      );
    }
    return { body: response.body, abort };
  } catch (error) {
    abort();
    if (error instanceof RegistryError) throw error;
    throw unreachable(what, error, timedOut ? timeoutMs : undefined);
  } finally {
    clearTimeout(timer);
  }
}

function unreachable(what: string, error: unknown, timeoutMs: number | undefined): RegistryError {
  const detail = timeoutMs !== undefined
    ? `no answer within ${timeoutMs} ms`
    : error instanceof Error
    ? error.message
    : String(error);
  return new RegistryError("unavailable", `${what}: ${detail}`, { cause: error });
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 300 ? flat.slice(0, 300) + "…" : flat;
}

/** Joins a base URL and a path without doubling slashes. */
export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, "") + path;
}
