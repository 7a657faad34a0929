// Server-side load shedding: Kratos's ratelimit middleware with aegis's BBR limiter by default,
// and token buckets per key for quotas. A shed call fails fast with 429 / ResourceExhausted,
// reason "RATELIMIT" (Kratos's), before the handler runs.
import { tooManyRequests } from "../../errors/mod.ts";
import type { CallRequest, CallResponse, Middleware } from "../../internal/contract.ts";
import { observeCall } from "../call_outcome.ts";
import { BbrLimiter, type BbrOptions, type Limiter } from "./bbr.ts";
import { defaultCpuSampler } from "./cpu.ts";
import { TokenBuckets, type TokenBucketSettings } from "./token_bucket.ts";

/** The `ErrorInfo` reason of a shed call (Kratos's, for interop). */
export const RATELIMIT_REASON = "RATELIMIT";

/** Options of `ratelimit()`: BBR's knobs, or a limiter of your own. */
export interface RateLimitOptions extends BbrOptions {
  /** Use this limiter instead of a BBR one built from the other options. */
  readonly limiter?: Limiter;
}

/** Options of `ratelimit.tokenBucket()`. */
export interface TokenBucketOptions extends TokenBucketSettings {
  /** The bucket a call draws from, e.g. a tenant from the claims (default: one for all calls). */
  readonly key?: (req: CallRequest) => string;
}

/** `ratelimit(options)` for BBR shedding, `ratelimit.tokenBucket(options)` for quotas. */
export interface RateLimit {
  /**
   * Server middleware shedding load with a BBR limiter (aegis's defaults: 10 s window in 100
   * buckets, CPU threshold 800 ‰, 1 s cool-down), one per middleware instance. Unary calls
   * count from admission to their reply; streams are admitted by the same rule but not
   * counted, since a stream's lifetime says nothing about the server's capacity. The CPU
   * gauge defaults to this process's CPU time over one core; on Workers there is none, so
   * nothing is shed there unless `cpu` is given — use `tokenBucket` instead.
   */
  (options?: RateLimitOptions): Middleware;
  /**
   * Server middleware enforcing a quota per key: `rate` calls a second with bursts up to
   * `burst`. A call over quota fails with 429 / ResourceExhausted, reason `RATELIMIT`, and
   * metadata `retry_after_ms`.
   */
  tokenBucket(options: TokenBucketOptions): Middleware;
}

function rejected(message: string) {
  return tooManyRequests(RATELIMIT_REASON, message);
}

function bbr(options: RateLimitOptions = {}): Middleware {
  const limiter = options.limiter ?? createBbrLimiter(options);
  if (!(limiter instanceof BbrLimiter)) return counted(limiter);
  return (next) => (req) => {
    const start = limiter.admit();
    if (start !== start) return shed();
    if (req.method.methodKind !== "unary") {
      limiter.release(start);
      return next(req);
    }
    let pending: Promise<CallResponse>;
    try {
      pending = next(req);
    } catch (error) {
      limiter.release(start);
      return Promise.reject(error);
    }
    // Counted beside the call, not in front of it: the caller awaits the handler's own promise,
    // so the limiter adds no promise turn to the reply. A unary reply has no stream to wait for.
    const release = () => limiter.release(start);
    pending.then(release, release);
    return pending;
  };
}

// A limiter of the caller's own: its Done runs when the call ends (a stream's too).
function counted(limiter: Limiter): Middleware {
  return (next) => (req) => {
    const done = limiter.allow();
    if (done === undefined) return shed();
    if (req.method.methodKind !== "unary") {
      done();
      return next(req);
    }
    return observeCall(next, req, done);
  };
}

function shed(): Promise<never> {
  return Promise.reject(rejected("service unavailable due to rate limit exceeded"));
}

function tokenBucket(options: TokenBucketOptions): Middleware {
  const buckets = new TokenBuckets(options);
  const key = options.key ?? (() => "");
  if (typeof key !== "function") {
    throw new TypeError("ratelimit.tokenBucket: key must be a function (req) => string");
  }
  const rate = options.rate;
  return (next) => (req) => {
    const wait = buckets.take(key(req));
    if (wait === 0) return next(req);
    return Promise.reject(
      rejected(`rate limit of ${rate} calls per second exceeded`).withMetadata({
        retry_after_ms: String(wait),
      }),
    );
  };
}

/** Kratos's rate-limit middleware and per-key quotas; see {@linkcode RateLimit}. */
// Pure for bundlers: a Worker that never rate-limits leaves the limiter out.
export const ratelimit: RateLimit = /* @__PURE__ */ Object.assign(bbr, { tokenBucket });

/**
 * A BBR limiter, to share between middleware or to read its `stat()`. Without `cpu`, the
 * process CPU gauge is used; where the runtime has none (Workers), the CPU reads 0.
 */
export function createBbrLimiter(options: BbrOptions = {}): BbrLimiter {
  const cpu = options.cpu ?? defaultCpuSampler() ?? (() => 0);
  if (typeof cpu !== "function") throw new TypeError("ratelimit: cpu must be a function");
  return new BbrLimiter({ ...options, cpu });
}
