// Kratos's client circuit breaker: Google SRE adaptive throttling, one breaker per operation
// (optionally per operation × node). Only failures that say the backend is unwell count: a
// client that keeps sending bad arguments must not shed its own healthy traffic.
import { fromError, GrpcCode, serviceUnavailable, toConnectError } from "../../errors/mod.ts";
// From the files, not selector/mod.ts: the barrel would load every balancer and the resolver
// with any middleware.
import { type Node, nodeKey } from "../../selector/node.ts";
import type { NodeFilter } from "../../selector/filter.ts";
import { pickedNodeKey, pickFiltersKey } from "../../selector/peer.ts";
import type { Middleware } from "../../internal/contract.ts";
import { operation } from "../chain.ts";
import { nonNegative, positive, positiveInt, ratio } from "../../internal/options.ts";

const CB = "circuitBreaker";
import { endCode, observeCall } from "../call_outcome.ts";
import { SreBreaker, type SreOptions } from "./sre.ts";

/** The `ErrorInfo` reason of a call the breaker dropped (Kratos's, for interop). */
export const CIRCUIT_BREAKER_REASON = "CIRCUITBREAKER";

/** HTTP-style codes (see `errors`) that count against the backend by default. */
const failureStatuses = new Set([500, 503, 504, 429]);

/** Options of `circuitBreaker`. */
export interface CircuitBreakerOptions {
  /** Success ratio to keep up; K = 1 / success (default 0.6, as aegis). */
  readonly success?: number;
  /** Requests per window below which nothing is dropped (default 100). */
  readonly request?: number;
  /** Rolling window in ms (default 3000). */
  readonly windowMs?: number;
  /** Buckets of the window (default 10). */
  readonly buckets?: number;
  /**
   * One breaker per operation × node instead of per operation: an open node is skipped by
   * the pick, and the call fails only when every node is open. Needs an Atreus client
   * (`createClient`), and belongs after `retry()` so each attempt is judged on its own node.
   */
  readonly perNode?: boolean;
  /**
   * Whether a failed call counts against the backend. Default: Internal, Unknown, DataLoss
   * (500), Unavailable (503), DeadlineExceeded (504) and ResourceExhausted (429: the backend
   * shedding load is what throttling is for). Client errors (InvalidArgument, NotFound, …)
   * count as successes; Canceled is not counted.
   */
  readonly isFailure?: (error: unknown) => boolean;
  /** Clock in ms (default `performance.now`), injectable for tests. */
  readonly now?: () => number;
  /** Uniform in [0, 1) (default `Math.random`), injectable for tests. */
  readonly random?: () => number;
}

function defaultIsFailure(error: unknown): boolean {
  return failureStatuses.has(fromError(error).code);
}

function isCanceled(error: unknown): boolean {
  return fromError(error).code === 499;
}

function rejected(op: string): Error {
  return toConnectError(
    serviceUnavailable(
      CIRCUIT_BREAKER_REASON,
      `request to ${op} dropped by the circuit breaker: too many recent failures`,
    ),
  );
}

// Past this many breakers (per-node keys churn with deployments), idle ones are dropped.
const PRUNE_AT = 1024;

/**
 * Client middleware: drops calls locally, failing fast with Unavailable (reason
 * `CIRCUITBREAKER`), when an operation's backend fails more than `success` allows. Dropped
 * calls count as failures (as in aegis), so throttling grows with the backend's trouble and
 * fades once calls succeed again.
 */
export function circuitBreaker(options: CircuitBreakerOptions = {}): Middleware {
  const sre: SreOptions = {
    success: ratio(CB, "success", options.success ?? 0.6),
    request: nonNegative(CB, "request", options.request ?? 100),
    windowMs: positive(CB, "windowMs", options.windowMs ?? 3_000),
    buckets: positiveInt(CB, "buckets", options.buckets ?? 10),
    now: options.now ?? (() => performance.now()),
    random: options.random ?? Math.random,
  };
  const isFailure = options.isFailure ?? defaultIsFailure;
  const breakers = new Map<string, SreBreaker>();
  const breaker = (key: string) => {
    let b = breakers.get(key);
    if (b === undefined) {
      if (breakers.size >= PRUNE_AT) {
        for (const [k, v] of breakers) if (v.counts().total === 0) breakers.delete(k);
      }
      breakers.set(key, b = new SreBreaker(sre));
    }
    return b;
  };
  const record = (b: SreBreaker, error: unknown) => {
    if (error === undefined) b.markSuccess();
    else if (isFailure(error)) b.markFailure();
    else if (!isCanceled(error)) b.markSuccess();
  };
  // A stream its reader let go of counts as a success; one abandoned through an abort only
  // when the abort carries a code of its own (a deadline): a plain abort is the caller's choice.
  const end = (b: SreBreaker, error: unknown, abandoned: boolean) => {
    if (abandoned && error !== undefined && endCode(error, true) === GrpcCode.Canceled) return;
    record(b, error);
  };

  if (!options.perNode) {
    // Without an async step of its own: observeCall already settles once the call has.
    return (next) => (req) => {
      try {
        const op = operation(req);
        const b = breaker(op);
        if (!b.allow()) {
          b.markFailure();
          return Promise.reject(rejected(op));
        }
        return observeCall(next, req, (error, abandoned) => end(b, error, abandoned));
      } catch (error) {
        return Promise.reject(error);
      }
    };
  }

  const keyOf = (op: string, node: Node) => `${op} ${nodeKey(node)}`;
  return (next) => async (req) => {
    const op = operation(req);
    const values = req.contextValues;
    let dropped = false;
    const skipOpen: NodeFilter = (nodes) => {
      const open = nodes.filter((n) => !breaker(keyOf(op, n)).allow());
      for (const n of open) breaker(keyOf(op, n)).markFailure();
      dropped = open.length === nodes.length && nodes.length > 0;
      return nodes.filter((n) => !open.includes(n));
    };
    const before = values.get(pickFiltersKey);
    values.set(pickFiltersKey, [...before, skipOpen]);
    values.set(pickedNodeKey, undefined);
    try {
      return await observeCall(next, req, (error, abandoned) => {
        const node = values.get(pickedNodeKey);
        if (node !== undefined) end(breaker(keyOf(op, node)), error, abandoned);
      });
    } catch (error) {
      throw dropped ? rejected(op) : error;
    } finally {
      values.set(pickFiltersKey, before);
    }
  };
}
