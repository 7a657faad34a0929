// One AsyncLocalStorage for every request-scoped value (transport info, metadata, app info,
// trace ids). The store is Connect-ES's ContextValues, so the object a handler sees as
// `HandlerContext.values` is the same object middleware and helpers read from.
import { AsyncLocalStorage } from "node:async_hooks";
import { type ContextKey, type ContextValues, createContextValues } from "@connectrpc/connect";

const storage = new AsyncLocalStorage<ContextValues>();

/** The request-scoped values of the current async context, if any. */
export function currentValues(): ContextValues | undefined {
  return storage.getStore();
}

/** Runs `fn` with `values` as the request-scoped context. */
export function runWithValues<T>(values: ContextValues, fn: () => T): T {
  return storage.run(values, fn);
}

/** Reads one key from the current context, or `undefined` outside any request. */
export function getValue<T>(key: ContextKey<T>): T | undefined {
  const values = storage.getStore();
  return values === undefined ? undefined : values.get(key);
}

/** Creates an empty value store. */
export function newValues(): ContextValues {
  return createContextValues();
}

/**
 * Wraps an async iterable so that every step runs inside `values`: a response body is pulled
 * by the runtime's writer, outside the context the handler was started in.
 */
export function bindIterable<T>(
  values: ContextValues,
  iterable: AsyncIterable<T>,
): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const it = storage.run(values, () => iterable[Symbol.asyncIterator]());
      return {
        next: (v?: unknown) => storage.run(values, () => it.next(v)),
        return: (v?: unknown) =>
          storage.run(
            values,
            () => it.return?.(v) ?? Promise.resolve({ done: true, value: v } as IteratorResult<T>),
          ),
        throw: (e?: unknown) => storage.run(values, () => it.throw?.(e) ?? Promise.reject(e)),
      };
    },
  };
}

export type { ContextKey, ContextValues };
export { createContextKey } from "@connectrpc/connect";
