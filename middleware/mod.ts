/**
 * One middleware chain for every server and client (Connect-ES's interceptor shape,
 * `next => req => …`), keyed by the operation `/pkg.Service/Method`, wrapping unary and
 * streaming calls as a whole:
 *
 * - `chain`, `selector(...).path()/.prefix()/.regex()/.match().build()`
 * - `recovery()` — unexpected throws become internal errors, the stack is logged, never sent
 * - `logging.server(logger)` / `logging.client(logger)` — one line per call
 * - `validate()` — protovalidate rules on request messages, InvalidArgument with field violations
 * - `timeout(policy)` (server) and `deadline()` (client) — per-operation deadlines that
 *   propagate to downstream calls
 * - `circuitBreaker()` (client) — Google SRE adaptive throttling per operation (or node)
 * - `retry()` (client) — idempotent methods on Unavailable: full-jitter backoff, a retry
 *   budget, deadline-aware, each attempt on a freshly picked node
 * - `tracing.server()` / `tracing.client()` — OpenTelemetry spans with W3C trace context; log
 *   valuers see the trace and span ids
 * - `metrics.server()` / `metrics.client()` — RPC duration histograms in seconds (OpenTelemetry's
 *   semantic conventions, or Go Kratos's names with `convention: "kratos"`) on an OpenTelemetry
 *   meter or an in-process registry served as Prometheus text (`/metrics`)
 * - `auth.server()` / `auth.client()` — Bearer JWTs (jose): keys, JWKS, claims in the context
 * - `ratelimit()` — Kratos/aegis BBR adaptive shedding; `ratelimit.tokenBucket()` per-key quotas
 *
 * @example
 * ```ts
 * import { logging, recovery, selector, validate } from "@atreus/atreus/middleware";
 * import * as metadata from "@atreus/atreus/metadata";
 * const middleware = [
 *   recovery(),
 *   metadata.server(),
 *   logging.server(),
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
export { validate, type ValidateOptions } from "./validate.ts";
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
} from "./circuitbreaker.ts";
export { retry, type RetryBudgetOptions, type RetryOptions } from "./retry.ts";
export type { BackoffOptions } from "../internal/backoff.ts";
/** Tracing middleware: `tracing.server()` and `tracing.client()` on `@opentelemetry/api`. */
export * as tracing from "./tracing.ts";
export type { PropagatorLike, SpanHandle, TracerProviderLike, TracingOptions } from "./tracing.ts";
/** Metrics middleware: `metrics.server()` and `metrics.client()` (OpenTelemetry or a registry). */
export * as metrics from "./metrics.ts";
export type {
  CounterLike,
  HistogramLike,
  InstrumentOptionsLike,
  MeterLike,
  MetricAttributesLike,
  MetricsConvention,
  MetricsOptions,
} from "./metrics.ts";
export { createMetricsRegistry, type MetricsRegistry } from "./metrics_registry.ts";
export { type Exposable, metricsHandler, PROMETHEUS_CONTENT_TYPE } from "./metrics_exposition.ts";
/** Authentication middleware: `auth.server({ verify })`, `auth.client({ token })`, `auth.claims()`. */
export * as auth from "./auth.ts";
export type {
  AuthClientOptions,
  AuthServerOptions,
  ClaimChecks,
  Claims,
  Verifier,
  VerifyFunction,
} from "./auth.ts";
export {
  createBbrLimiter,
  type RateLimit,
  ratelimit,
  RATELIMIT_REASON,
  type RateLimitOptions,
  type TokenBucketOptions,
} from "./ratelimit.ts";
export type { BbrLimiter, BbrOptions, BbrStat, Done, Limiter } from "./ratelimit_bbr.ts";
export { type CpuSamplerOptions, type CpuUsage, processCpuSampler } from "./ratelimit_cpu.ts";
export type { TokenBucketSettings } from "./ratelimit_token_bucket.ts";
