// CORS for the HTTP server. Preflights and non-RPC routes (REST, the app's own) go through Hono's
// cors middleware; an RPC call that is not a preflight gets the same headers from a set built
// once per origin and handed to the reply as it is built, so the call keeps its single-handler
// route and its reply is never rewritten (Hono's middleware adds them to a finished Response:
// a placeholder Response, a Headers copy and a rewrite of the reply's headers on every call).
import type { Context, MiddlewareHandler, Next } from "hono";
import { cors as honoCors } from "hono/cors";
import { cors as connectCors } from "@connectrpc/connect";
import { addHeaders } from "../fastpath/headers.ts";

/** CORS policy for browser clients (Connect and gRPC-Web header lists are always included). */
export interface CorsOptions {
  /** Allowed origin(s), or a function returning the origin to allow. */
  readonly origin: string | readonly string[] | ((origin: string) => string | undefined | null);
  /** Allow credentials. */
  readonly credentials?: boolean;
  /** Preflight cache lifetime in ms, sent in whole seconds (default 7 200 000: two hours). */
  readonly maxAgeMs?: number;
  /** Extra request headers to allow. */
  readonly allowHeaders?: readonly string[];
  /** Extra response headers to expose. */
  readonly exposeHeaders?: readonly string[];
}

/** The header set of a CORS answer, as plain entries (shared: never mutate it). */
export type CorsHeaders = Readonly<Record<string, string>>;

// Origins whose header sets are kept; past that, sets are built per call (never unbounded).
const MAX_CACHED_ORIGINS = 256;

/** What the HTTP server needs from a CORS policy. */
export interface CorsPolicy {
  /** Hono middleware: preflights everywhere, and every request outside `skip`. */
  readonly middleware: MiddlewareHandler;
  /** Whether the answer depends on the request's `Origin` (false for `"*"`). */
  readonly readsOrigin: boolean;
  /** The headers for a non-preflight request from `origin` (the `Origin` header, or null). */
  headersFor(origin: string | null): CorsHeaders;
  /**
   * The same without `Access-Control-Expose-Headers`, for a reply that carries none of the
   * headers it lists (an untouched successful unary reply: its only header is its content
   * type). On Deno every response header past the content type costs the server about as much
   * again as the rest of the CORS work, so a header that tells the browser nothing is left out.
   */
  plainHeadersFor(origin: string | null): CorsHeaders;
}

/**
 * Builds the policy. `skip(path)` names the paths whose non-preflight requests add the
 * headers themselves (with `headersFor`); Hono's middleware answers the rest, as before.
 */
export function corsPolicy(options: CorsOptions, skip: (path: string) => boolean): CorsPolicy {
  const origin = options.origin;
  const exposed = [...connectCors.exposedHeaders, ...(options.exposeHeaders ?? [])];
  const hono = honoCors({
    origin: typeof origin === "function"
      ? (o: string) => origin(o)
      : typeof origin === "string"
      ? origin
      : [...origin],
    credentials: options.credentials,
    maxAge: Math.floor((options.maxAgeMs ?? 7_200_000) / 1000),
    allowMethods: [...connectCors.allowedMethods],
    allowHeaders: [...connectCors.allowedHeaders, ...(options.allowHeaders ?? [])],
    exposeHeaders: exposed,
  });
  const middleware: MiddlewareHandler = (c: Context, next: Next) =>
    c.req.method !== "OPTIONS" && skip(c.req.path) ? next() : hono(c, next);

  // The same headers Hono's middleware sets on a non-preflight answer, in the same cases.
  const allow: (requestOrigin: string) => string | null | undefined = typeof origin === "function"
    ? origin
    : typeof origin === "string"
    ? (o) => origin === "*" ? "*" : origin === o ? o : null
    : (o) => origin.includes(o) ? o : null;
  const build = (allowed: string | null | undefined, expose: boolean): CorsHeaders => {
    const headers: Record<string, string> = {};
    if (allowed) headers["access-control-allow-origin"] = allowed;
    if (options.credentials) headers["access-control-allow-credentials"] = "true";
    if (expose && exposed.length > 0) {
      headers["access-control-expose-headers"] = exposed.join(",");
    }
    if (origin !== "*") headers["vary"] = "Origin";
    return Object.freeze(headers);
  };
  if (origin === "*") {
    const full = build("*", true);
    const plain = build("*", false);
    return { middleware, readsOrigin: false, headersFor: () => full, plainHeadersFor: () => plain };
  }
  const cache = new Map<string, [CorsHeaders, CorsHeaders]>();
  const pair = (requestOrigin: string | null): [CorsHeaders, CorsHeaders] => {
    const key = requestOrigin ?? "";
    let headers = cache.get(key);
    if (headers === undefined) {
      const allowed = allow(key);
      headers = [build(allowed, true), build(allowed, false)];
      // A function policy may answer differently over time: its answers are not kept.
      if (typeof origin !== "function" && cache.size < MAX_CACHED_ORIGINS) {
        cache.set(key, headers);
      }
    }
    return headers;
  };
  return {
    middleware,
    readsOrigin: true,
    headersFor: (requestOrigin) => pair(requestOrigin)[0],
    plainHeadersFor: (requestOrigin) => pair(requestOrigin)[1],
  };
}

/** Adds `extra` to a response's headers (replies that were not built with them). */
export function withCorsHeaders(response: Response, extra: CorsHeaders | undefined): Response {
  if (extra === undefined) return response;
  try {
    addHeaders(response.headers, extra);
    return response;
  } catch {
    // Immutable headers (a fetched Response passed through): copy once.
    const copy = new Response(response.body, response);
    addHeaders(copy.headers, extra);
    return copy;
  }
}
