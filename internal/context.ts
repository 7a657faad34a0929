// One AsyncLocalStorage for every request-scoped value (transport info, metadata, app info,
// trace ids). The store is Connect-ES's ContextValues, so the object a handler sees as
// `HandlerContext.values` is the same object middleware and helpers read from.
import { AsyncLocalStorage } from "node:async_hooks";
import { type ContextKey, type ContextValues, createContextValues } from "@connectrpc/connect";

// The store is a holder of the values rather than the values themselves, so a call can let go
// of them when it ends (see runScoped).
const storage = new AsyncLocalStorage<{ v: ContextValues | undefined }>();

/** The request-scoped values of the current async context, if any. */
export function currentValues(): ContextValues | undefined {
  return storage.getStore()?.v;
}

/** Runs `fn` with `values` as the request-scoped context (undefined: no request scope). */
export function runWithValues<T>(values: ContextValues | undefined, fn: () => T): T {
  return storage.run({ v: values }, fn);
}

/** A request scope's store: `runInScope` runs code in it, and emptying `v` ends it (see runScoped). */
export interface Scope {
  /** The scope's values; `undefined` once the call is over. */
  v: ContextValues | undefined;
}

/**
 * Runs `fn` in `scope`, which the caller empties once the work `fn` started has settled: what
 * runScoped does, for a caller that learns of the settling anyway and so needs no reaction of
 * its own on the promise.
 */
export function runInScope<T>(scope: Scope, fn: () => T): T {
  return storage.run(scope, fn);
}

/**
 * Runs `fn` with `values` as the request-scoped context, and once the promise it returns
 * settles, empties that scope: work it left running sees no values from then on. On Deno a
 * scope stays reachable well after its call (through promises the runtime created inside it),
 * and a scope still holding a call's values kept them alive through young-generation
 * collections, which then copied them again and again (long scavenge pauses).
 */
export function runScoped<T>(values: ContextValues, fn: () => Promise<T>): Promise<T> {
  const holder: { v: ContextValues | undefined } = { v: values };
  const release = () => {
    holder.v = undefined;
  };
  const pending = storage.run(holder, fn);
  pending.then(release, release);
  return pending;
}

/** Reads one key from the current context, or `undefined` outside any request. */
export function getValue<T>(key: ContextKey<T>): T | undefined {
  const values = storage.getStore()?.v;
  return values === undefined ? undefined : values.get(key);
}

const callScoped = new Set<ContextKey<unknown>>();

/**
 * Marks a key whose value belongs to one call only: transports drop it when a unary call
 * returns. Deno keeps a finished request's async context reachable for a while, so a value that
 * references the request (its headers, say) would otherwise keep the whole request alive
 * through several garbage collections.
 */
export function markCallScoped(key: ContextKey<unknown>): void {
  callScoped.add(key);
}

/** Drops every call-scoped key from `values` (see {@linkcode markCallScoped}). */
export function dropCallScoped(values: ContextValues): void {
  for (const key of callScoped) {
    // Overwriting keeps the store's shape, where `delete` turns it into a slow dictionary
    // (0.35 µs per call on Deno); for a key whose default is undefined both read the same.
    if (key.defaultValue === undefined) values.set(key, undefined);
    else values.delete(key);
  }
}

/** Creates an empty value store. */
export function newValues(): ContextValues {
  return createContextValues();
}

/**
 * Wraps an async iterable so that every step runs inside `values`: a response body is pulled
 * by the runtime's writer, outside the context the handler was started in. `onEnd` runs once
 * when the iteration finishes, fails or is abandoned (in-flight accounting); `abandoned` says
 * the reader let go before the end (`return()` or `throw()`: a client that went away), and it
 * runs before the source hears of it.
 */
export function bindIterable<T>(
  values: ContextValues,
  iterable: AsyncIterable<T>,
  onEnd?: (abandoned: boolean) => void,
): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const holder = { v: values };
      const it = storage.run(holder, () => iterable[Symbol.asyncIterator]());
      let open = onEnd !== undefined;
      const end = (abandoned = false) => {
        if (open) {
          open = false;
          onEnd!(abandoned);
        }
      };
      const step = (r: IteratorResult<T>) => {
        if (r.done === true) end();
        return r;
      };
      const fail = (e: unknown): never => {
        end();
        throw e;
      };
      return {
        next: (v?: unknown) => storage.run(holder, () => it.next(v)).then(step, fail),
        return: (v?: unknown) => {
          end(true);
          return storage.run(
            holder,
            () => it.return?.(v) ?? Promise.resolve({ done: true, value: v } as IteratorResult<T>),
          );
        },
        throw: (e?: unknown) => {
          // A reader that throws into the stream gives up on it (Connect-ES's body cancel).
          end(true);
          return storage.run(holder, () => it.throw?.(e) ?? Promise.reject(e));
        },
      };
    },
  };
}

export type { ContextKey, ContextValues };
export { createContextKey } from "@connectrpc/connect";

/**
 * A child store: reads fall through to `parent` for keys it has not set; writes stay local. Used
 * to open a nested scope (e.g. extra client metadata) without touching the caller's values.
 */
export function childValues(parent: ContextValues | undefined): ContextValues {
  const own = createContextValues();
  const set = new Set<symbol>();
  const deleted = new Set<symbol>();
  const child: ContextValues = {
    get<T>(key: ContextKey<T>): T {
      if (set.has(key.id)) return own.get(key);
      if (deleted.has(key.id) || parent === undefined) return key.defaultValue;
      return parent.get(key);
    },
    set<T>(key: ContextKey<T>, value: T) {
      set.add(key.id);
      deleted.delete(key.id);
      own.set(key, value);
      return child;
    },
    delete(key: ContextKey<unknown>) {
      set.delete(key.id);
      deleted.add(key.id);
      own.delete(key);
      return child;
    },
  };
  return child;
}

/**
 * `childValues(parent).set(key, value)`, made lazily: until something else is set or deleted
 * in it, reads need no store and no key sets of their own (a client call's deadline scope is
 * opened on every call and is rarely written to).
 */
export function childValuesWith<V>(
  parent: ContextValues | undefined,
  key: ContextKey<V>,
  value: V,
): ContextValues {
  let full: ContextValues | undefined;
  const upgrade = () => (full ??= childValues(parent).set(key, value));
  const child: ContextValues = {
    get<T>(k: ContextKey<T>): T {
      if (full !== undefined) return full.get(k);
      if (k.id === key.id) return value as unknown as T;
      return parent === undefined ? k.defaultValue : parent.get(k);
    },
    set<T>(k: ContextKey<T>, v: T) {
      upgrade().set(k, v);
      return child;
    },
    delete(k: ContextKey<unknown>) {
      upgrade().delete(k);
      return child;
    },
  };
  return child;
}
