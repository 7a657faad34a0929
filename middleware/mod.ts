/**
 * One middleware chain for every server and client (Connect-ES's interceptor shape,
 * `next => req => …`), keyed by the operation `/pkg.Service/Method`, wrapping unary and
 * streaming calls as a whole. This entry holds the contract and the middleware without
 * third-party dependencies:
 *
 * - `chain`, `selector(...).path()/.prefix()/.regex()/.match().build()`
 * - `recovery()` — unexpected throws become internal errors, the stack is logged, never sent
 * - `logging.server(logger)` / `logging.client(logger)` — one line per call
 * - `timeout(policy)` (server) and `deadline()` (client) — per-operation deadlines that
 *   propagate to downstream calls
 * - `circuitBreaker()` (client) — Google SRE adaptive throttling per operation (or node)
 * - `retry()` (client) — idempotent methods on Unavailable: full-jitter backoff, a retry
 *   budget, deadline-aware, each attempt on a freshly picked node
 * - `ratelimit()` — Kratos/aegis BBR adaptive shedding; `ratelimit.tokenBucket()` per-key quotas
 *
 * Middleware built on a library has its own entry, so importing `recovery()` loads none of them:
 *
 * - `@atreus/atreus/middleware/validate` — `validate()`: protovalidate rules on requests
 * - `@atreus/atreus/middleware/tracing` — `tracing.server()` / `tracing.client()`: OpenTelemetry
 *   spans with W3C trace context
 * - `@atreus/atreus/middleware/metrics` — `metrics.server()` / `metrics.client()`: RPC duration
 *   histograms on an OpenTelemetry meter or an in-process Prometheus registry
 * - `@atreus/atreus/middleware/auth` — `auth.server()` / `auth.client()`: Bearer JWTs (jose)
 *
 * @example
 * ```ts
 * import { logging, recovery, selector, timeout } from "@atreus/atreus/middleware";
 * import { validate } from "@atreus/atreus/middleware/validate";
 * import * as metadata from "@atreus/atreus/metadata";
 * const middleware = [
 *   recovery(),
 *   metadata.server(),
 *   logging.server(),
 *   timeout(5_000),
 *   selector(validate()).prefix("/helloworld.v1.Greeter/").build(),
 * ];
 * ```
 * @module
 */
export { chain, operation } from "./chain.ts";
export { type OperationMatcher, selector, SelectorBuilder } from "./selector.ts";
export { recovery, type RecoveryOptions } from "./recovery.ts";
/** Logging middleware: `logging.server(logger)` and `logging.client(logger)`. */
export * as logging from "./logging.ts";
export type { LoggingOptions } from "./logging.ts";
export { deadline, timeout, type TimeoutPolicy } from "./timeout.ts";
/** The middleware contract: what a middleware receives, calls and returns. */
export type {
  CallRequest,
  CallRequestCommon,
  CallResponse,
  CallResponseCommon,
  Middleware,
  Next,
  StreamCallRequest,
  StreamCallResponse,
  UnaryCallRequest,
  UnaryCallResponse,
} from "../internal/contract.ts";
export {
  CIRCUIT_BREAKER_REASON,
  circuitBreaker,
  type CircuitBreakerOptions,
} from "./circuitbreaker/circuitbreaker.ts";
export { retry, type RetryBudgetOptions, type RetryOptions } from "./retry/retry.ts";
export type { BackoffOptions } from "../internal/backoff.ts";
export {
  createBbrLimiter,
  type RateLimit,
  ratelimit,
  RATELIMIT_REASON,
  type RateLimitOptions,
  type TokenBucketOptions,
} from "./ratelimit/ratelimit.ts";
export type { BbrLimiter, BbrOptions, BbrStat, Done, Limiter } from "./ratelimit/bbr.ts";
export { type CpuSamplerOptions, type CpuUsage, processCpuSampler } from "./ratelimit/cpu.ts";
export type { TokenBucketSettings } from "./ratelimit/token_bucket.ts";
