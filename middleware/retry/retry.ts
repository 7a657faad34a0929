// Client retries (what Kratos lacks, issue #2202), with the safety rails gRPC's retry policy
// has: only methods that are safe to repeat, only failures that mean "not processed", capped
// attempts with full-jitter exponential backoff, a budget so retries cannot multiply load, and
// no sleep past the call's deadline. Under an Atreus client every attempt is a fresh node pick
// that avoids the nodes this call already failed on.
import { fromError, GrpcCode } from "../../errors/mod.ts";
import {
  type BackoffOptions,
  backoffSettings,
  sleep as abortableSleep,
} from "../../internal/backoff.ts";
// From the files, not selector/mod.ts (every balancer and the resolver).
import { nodeKey } from "../../selector/node.ts";
import type { NodeFilter } from "../../selector/filter.ts";
import { pickedNodeKey, pickFiltersKey } from "../../selector/peer.ts";
import type {
  CallRequest,
  CallResponse,
  Middleware,
  Next,
  ProtoMessage,
  StreamCallResponse,
} from "../../internal/contract.ts";
import { remainingMs } from "../../internal/deadline.ts";
import { operation } from "../chain.ts";
import { positiveInt } from "../../internal/options.ts";
import { grpcCodeOf } from "../call_outcome.ts";
import { CIRCUIT_BREAKER_REASON } from "../circuitbreaker/circuitbreaker.ts";
import { RetryBudget, type RetryBudgetOptions } from "./budget.ts";

export type { RetryBudgetOptions } from "./budget.ts";

/** Options of `retry`. */
export interface RetryOptions {
  /** Attempts in all, the first included (default 3). */
  readonly maxAttempts?: number;
  /**
   * Wait ceilings: `initialMs` before the first retry (default 50), growing by `factor`
   * (default 2) up to `maxMs` (default 1000); each wait is uniform in [0, ceiling].
   */
  readonly backoff?: Omit<BackoffOptions, "random">;
  /**
   * gRPC codes to retry (default `[GrpcCode.Unavailable]`: the call was not processed; an
   * Atreus client reports refused and reset connections as Unavailable too).
   */
  readonly codes?: readonly GrpcCode[];
  /**
   * Operations (`/pkg.Service/Method`) to retry although their proto does not mark them
   * `idempotency_level = NO_SIDE_EFFECTS` or `IDEMPOTENT`.
   */
  readonly operations?: readonly string[];
  /** The retry budget (default 20 % of calls + 10 per second, 100 saved); `false` for none. */
  readonly budget?: RetryBudgetOptions | false;
  /** Steer retries away from nodes that already failed this call (default true). */
  readonly avoidFailedNodes?: boolean;
  /** Clock in ms for the budget (default `performance.now`). */
  readonly now?: () => number;
  /** Uniform in [0, 1) for the jitter (default `Math.random`). */
  readonly random?: () => number;
  /** Waits `ms` or rejects when `signal` aborts (default a timer); injectable for tests. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/**
 * Client middleware: retries failed calls of idempotent methods (or listed operations) on
 * Unavailable, with exponential backoff and full jitter (each wait uniform in [0, ceiling]).
 * A retry happens only if the budget allows it and its wait ends before the call's deadline
 * (`remainingMs()`); otherwise the last error is returned. Unary and server-streaming calls are
 * retried — a stream only until its first message arrived; client and bidi streams never.
 */
export function retry(options: RetryOptions = {}): Middleware {
  const maxAttempts = positiveInt("retry", "maxAttempts", options.maxAttempts ?? 3);
  const { initialMs: initial, maxMs: max, factor: multiplier } = backoffSettings(
    "retry",
    options.backoff,
    { initialMs: 50, maxMs: 1_000 },
  );
  const codes = new Set<number>(options.codes ?? [GrpcCode.Unavailable]);
  const allowed = new Set(options.operations ?? []);
  const random = options.random ?? Math.random;
  const wait = options.sleep ?? abortableSleep;
  const budget = options.budget === false
    ? undefined
    : new RetryBudget(options.budget ?? {}, options.now ?? (() => performance.now()));
  const avoid = options.avoidFailedNodes ?? true;

  const retryable = (req: CallRequest) => {
    const kind = req.method.methodKind;
    if (kind !== "unary" && kind !== "server_streaming") return false;
    return req.method.idempotency === 1 || req.method.idempotency === 2 ||
      allowed.has(operation(req));
  };
  const retryableError = (error: unknown) => {
    // A call the circuit breaker dropped must stay dropped, or throttling would not throttle.
    return codes.has(grpcCodeOf(error)) && fromError(error).reason !== CIRCUIT_BREAKER_REASON;
  };

  // The attempts after a failed first one; `error` is the failure of attempt `attempt`.
  const retryAfter = async (
    next: Next,
    req: CallRequest,
    original: [string, string][],
    sent: readonly ProtoMessage[],
    error: unknown,
    attempt: number,
  ): Promise<CallResponse> => {
    const values = req.contextValues;
    // The nodes this call failed on, and the filter that steers a retry off them: installed only
    // once an attempt failed, as the first attempt has nothing to avoid (and a pick with extra
    // filters also builds the headers as metadata for them).
    let failed: Set<string> | undefined;
    let before: readonly NodeFilter[] | undefined;
    try {
      for (;;) {
        if (req.signal.aborted || attempt >= maxAttempts || !retryableError(error)) throw error;
        const node = values.get(pickedNodeKey);
        const ceiling = Math.min(max, initial * multiplier ** (attempt - 1));
        const delay = random() * ceiling;
        const left = remainingMs();
        if (left !== undefined && delay >= left) throw error;
        if (budget !== undefined && !budget.withdraw()) throw error;
        if (avoid) {
          if (failed === undefined) {
            const avoided = failed = new Set<string>();
            before = values.get(pickFiltersKey);
            const skipFailed: NodeFilter = (nodes) => {
              const rest = nodes.filter((n) => !avoided.has(nodeKey(n)));
              return rest.length > 0 ? rest : nodes;
            };
            values.set(pickFiltersKey, [...before, skipFailed]);
          }
          if (node !== undefined) failed.add(nodeKey(node));
        }
        await wait(delay, req.signal);
        attempt++;
        values.set(pickedNodeKey, undefined);
        const attemptReq = {
          ...req,
          header: new Headers(original),
          ...(req.stream ? { message: replay(sent) } : {}),
        } as CallRequest;
        try {
          const res = await next(attemptReq);
          return res.stream ? await firstMessage(res) : res;
        } catch (e) {
          error = e;
        }
      }
    } finally {
      if (before !== undefined) values.set(pickFiltersKey, before);
    }
  };

  // A server stream's first attempt: its request is one message, kept so every attempt can
  // send it.
  const firstStream = async (
    next: Next,
    req: CallRequest & { stream: true },
    original: [string, string][],
  ): Promise<CallResponse> => {
    const sent: ProtoMessage[] = [];
    for await (const m of req.message) sent.push(m);
    req.contextValues.set(pickedNodeKey, undefined);
    try {
      const res = await next({ ...req, message: replay(sent) });
      return res.stream ? await firstMessage(res) : res;
    } catch (error) {
      return await retryAfter(next, req, original, sent, error, 1);
    }
  };

  const start = (next: Next, req: CallRequest): Promise<CallResponse> => {
    budget?.deposit();
    if (maxAttempts === 1 || !retryable(req)) return next(req);
    // The headers as the call came in, so that every retry starts from them again (middleware
    // after this one and the node's transport may add to an attempt's headers). The first
    // attempt, on most calls the only one, sends the call's own; a retry sends a copy of these.
    // Kept as pairs, not a Headers copy: reading a Headers object costs a fraction of copying it.
    const original: [string, string][] = [];
    req.header.forEach((value, key) => original.push([key, value]));
    if (req.stream) return firstStream(next, req, original);
    // A unary call's first attempt without an async step of its own: most calls end with it.
    req.contextValues.set(pickedNodeKey, undefined);
    let first: Promise<CallResponse>;
    try {
      first = next(req);
    } catch (error) {
      first = Promise.reject(error);
    }
    return first.then(
      (res) => res.stream ? firstMessage(res) : res,
      (error) => retryAfter(next, req, original, [], error, 1),
    );
  };

  return (next) => (req) => {
    // A failure before the first attempt rejects the call, as it did when this was an async
    // function.
    try {
      return start(next, req);
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

async function* replay(messages: readonly ProtoMessage[]): AsyncGenerator<ProtoMessage> {
  yield* messages;
}

/**
 * Waits for a stream's first message (or its end) so an error before it can still be retried;
 * after it, the stream counts as started and its errors reach the caller.
 */
async function firstMessage(res: StreamCallResponse): Promise<CallResponse> {
  const it = res.message[Symbol.asyncIterator]();
  const first = await it.next();
  let pending: IteratorResult<ProtoMessage> | undefined = first;
  return {
    ...res,
    message: {
      [Symbol.asyncIterator]() {
        return {
          next() {
            if (pending !== undefined) {
              const r = pending;
              pending = undefined;
              return Promise.resolve(r);
            }
            return it.next();
          },
          async return(value?: unknown) {
            pending = undefined;
            return await (it.return?.(value) ?? { done: true as const, value: undefined });
          },
        };
      },
    },
  };
}
