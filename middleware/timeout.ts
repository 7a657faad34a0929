// Per-operation deadlines (Kratos's timeout option, per operation). The deadline lands in the
// request context, so clients called while serving send only the time that is left.
import { Code, ConnectError } from "@connectrpc/connect";
import type { CallRequest, Middleware, ProtoMessage } from "../internal/contract.ts";
import { budgetOf, deadlineKey, remainingMs, startDeadline } from "../internal/deadline.ts";
import { operation } from "./chain.ts";
import { expireAfter } from "../internal/expiry.ts";

/** A deadline for every call, or per operation with a default. */
export type TimeoutPolicy =
  | number
  | { readonly default?: number; readonly operations?: Readonly<Record<string, number>> };

/**
 * Server middleware: bounds each selected call to `policy` ms (never extending a shorter
 * deadline the client sent), aborting the handler's signal and failing with DeadlineExceeded.
 * Streams are bounded as a whole.
 */
export function timeout(policy: TimeoutPolicy): Middleware {
  const pick = typeof policy === "number"
    ? () => policy
    : (req: CallRequest) => policy.operations?.[operation(req)] ?? policy.default;
  return (next) => async (req) => {
    const ms = pick(req);
    if (ms === undefined || ms <= 0) return next(req);
    // The servers' rule: the time left of the caller's deadline, shortened to the operation's.
    const budget = budgetOf(ms, remainingMs())!;
    const deadline = Date.now() + budget;
    req.contextValues.set(deadlineKey, deadline);
    const controller = new AbortController();
    const expire = () =>
      controller.abort(
        new ConnectError(`${operation(req)} exceeded its ${ms} ms deadline`, Code.DeadlineExceeded),
      );
    // The operation's own budget is the same for every call: those share one timer.
    const timer = budget === ms
      ? expireAfter(ms, expire)
      : startDeadline(budget, expire, undefined);
    const signal = AbortSignal.any([req.signal, controller.signal]);
    const expired = new Promise<never>((_, reject) =>
      controller.signal.addEventListener("abort", () => reject(controller.signal.reason), {
        once: true,
      })
    );
    expired.catch(() => {});
    try {
      const res = await Promise.race([next({ ...req, signal } as CallRequest), expired]);
      if (!res.stream) {
        timer.cancel();
        return res;
      }
      // The stream keeps the deadline until it ends, fails, is let go of, or the call is
      // aborted; each read waits on the deadline with a listener of its own, removed after it.
      const it = res.message[Symbol.asyncIterator]();
      const done = () => {
        timer.cancel();
        req.signal.removeEventListener("abort", done);
      };
      req.signal.addEventListener("abort", done, { once: true });
      const read = () =>
        new Promise<IteratorResult<ProtoMessage>>((resolve, reject) => {
          const onExpire = () => reject(controller.signal.reason);
          if (controller.signal.aborted) return onExpire();
          controller.signal.addEventListener("abort", onExpire, { once: true });
          it.next().then(resolve, reject).finally(() =>
            controller.signal.removeEventListener("abort", onExpire)
          );
        }).then((r) => {
          if (r.done === true) done();
          return r;
        }, (error) => {
          done();
          throw error;
        });
      return {
        ...res,
        message: {
          [Symbol.asyncIterator]: () => ({
            next: read,
            return: (value?: unknown) => {
              done();
              return it.return?.(value) ?? Promise.resolve({ done: true as const, value });
            },
          }),
        },
      };
    } catch (error) {
      timer.cancel();
      throw error;
    }
  };
}

/**
 * Client middleware: sends the time left before the current call's deadline (set by the
 * server, `timeout` or a client `timeoutMs`) as `grpc-timeout` / `connect-timeout-ms`, and
 * aborts the outgoing call when it passes.
 */
export function deadline(): Middleware {
  return (next) => (req) => {
    const left = remainingMs();
    if (left === undefined) return next(req);
    if (left <= 0) {
      return Promise.reject(
        new ConnectError("the deadline of the calling request has passed", Code.DeadlineExceeded),
      );
    }
    const header = req.header;
    const ms = Math.max(1, Math.floor(left));
    const current = header.get("connect-timeout-ms") ?? undefined;
    if (current === undefined || Number(current) > ms) {
      if (header.has("connect-timeout-ms") || header.get("connect-protocol-version")) {
        header.set("connect-timeout-ms", String(ms));
      }
      if ((header.get("content-type") ?? "").startsWith("application/grpc")) {
        header.set("grpc-timeout", `${ms}m`);
      }
    }
    const signal = AbortSignal.any([req.signal, AbortSignal.timeout(ms)]);
    return next({ ...req, signal } as CallRequest);
  };
}
