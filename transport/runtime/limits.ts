// How long an HTTP client may take and how much header it may send, per connection. Node's
// listeners enforce them; Deno.serve and Bun.serve take no such settings (README "Reliability"
// says what they do instead). Defaults are Node's own, so no listener is looser than Node.

/**
 * Limits on slow and oversized HTTP clients, enforced by Node's listeners; `Deno.serve` and
 * `Bun.serve` take no such settings (README "Reliability" lists what they do).
 */
export interface ConnectionLimits {
  /** Time to receive a request's headers, in ms (default 60 000, Node's `headersTimeout`). */
  readonly headersTimeoutMs?: number;
  /**
   * Time to receive a whole request, headers and body, in ms (default 300 000, Node's
   * `requestTimeout`); a body trickled slower is answered 408 and its connection closed.
   */
  readonly requestTimeoutMs?: number;
  /** How long an idle keep-alive connection stays open, in ms (default 5 000, as Node). */
  readonly keepAliveTimeoutMs?: number;
  /** Largest request header block, in bytes (default 16 KiB, as Node); larger gets 431. */
  readonly maxHeaderBytes?: number;
}

/** The limits with every default filled in. */
export type ResolvedLimits = Required<ConnectionLimits>;

/** Node's defaults. */
export const DEFAULT_LIMITS: ResolvedLimits = {
  headersTimeoutMs: 60_000,
  requestTimeoutMs: 300_000,
  keepAliveTimeoutMs: 5_000,
  maxHeaderBytes: 16 * 1024,
};

/** `value`, or `fallback` when unset; anything but a positive integer throws, naming `key`. */
export function positive(
  value: number | undefined,
  fallback: number,
  key: string,
  owner: string,
): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`${owner}: ${key} must be a positive integer, got ${value}`);
  }
  return value;
}

/** Fills in defaults; a value that is not a positive integer, or headers outlasting the request, throws. */
export function resolveLimits(limits: ConnectionLimits, owner: string): ResolvedLimits {
  const out = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof ResolvedLimits)[]) {
    out[key] = positive(limits[key], out[key], key, owner);
  }
  // A request timeout set shorter than the default header timeout carries it down with it.
  if (limits.headersTimeoutMs === undefined) {
    out.headersTimeoutMs = Math.min(out.headersTimeoutMs, out.requestTimeoutMs);
  }
  if (out.headersTimeoutMs > out.requestTimeoutMs) {
    throw new RangeError(
      `${owner}: headersTimeoutMs (${out.headersTimeoutMs}) must not exceed requestTimeoutMs (${out.requestTimeoutMs})`,
    );
  }
  return out;
}

/** The options of a `node:http`/`node:https` server enforcing `limits`. */
export function nodeHttpLimits(limits: ResolvedLimits): {
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  maxHeaderSize: number;
  connectionsCheckingInterval: number;
} {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    maxHeaderSize: limits.maxHeaderBytes,
    // Node checks the two timeouts on this period (30 s by default), so a 60 s timeout could
    // run 90 s: a quarter of the shorter one keeps the overrun within 25%.
    connectionsCheckingInterval: Math.max(
      10,
      Math.min(30_000, Math.floor(limits.headersTimeoutMs / 4)),
    ),
  };
}

/**
 * Limits of an HTTP/2 server, applied where node:http2 serves: the gRPC server on every runtime,
 * h2c on Node's HTTP listener (Deno.serve and Bun.serve keep their own).
 */
export interface Http2Limits {
  /** Streams a client may have open at once on one connection (default 100, RFC 9113's floor). */
  readonly maxConcurrentStreams?: number;
  /** Largest request header block, in bytes, uncompressed (default 16 KiB). */
  readonly maxHeaderListBytes?: number;
  /**
   * Memory one HTTP/2 connection may hold, in MiB (default 10, node:http2's): beyond it new
   * streams are refused with ENHANCE_YOUR_CALM.
   */
  readonly maxSessionMemoryMiB?: number;
}

/** The HTTP/2 limits with every default filled in. */
export type ResolvedHttp2Limits = Required<Http2Limits>;

/** Safe defaults: node:http2's own allow 2^32-1 concurrent streams. */
export const DEFAULT_HTTP2_LIMITS: ResolvedHttp2Limits = {
  maxConcurrentStreams: 100,
  maxHeaderListBytes: 16 * 1024,
  maxSessionMemoryMiB: 10,
};

/** Fills in defaults; a value that is not a positive integer throws. */
export function resolveHttp2Limits(limits: Http2Limits, owner: string): ResolvedHttp2Limits {
  const out = { ...DEFAULT_HTTP2_LIMITS };
  for (const key of Object.keys(DEFAULT_HTTP2_LIMITS) as (keyof ResolvedHttp2Limits)[]) {
    out[key] = positive(limits[key], out[key], key, owner);
  }
  return out;
}

/** The `node:http2` server options enforcing `limits`. */
export function nodeHttp2Options(limits: ResolvedHttp2Limits): {
  settings: { maxConcurrentStreams: number; maxHeaderListSize: number };
  maxSessionMemory: number;
  maxHeaderListPairs: number;
} {
  return {
    settings: {
      maxConcurrentStreams: limits.maxConcurrentStreams,
      maxHeaderListSize: limits.maxHeaderListBytes,
    },
    maxSessionMemory: limits.maxSessionMemoryMiB,
    // A pair costs at least 32 bytes of the header list (RFC 7541 §4.1).
    maxHeaderListPairs: Math.max(128, Math.ceil(limits.maxHeaderListBytes / 32)),
  };
}
