// The Config: loads sources, merges them in order, resolves placeholders, serves values, and
// applies changes from watchers one at a time, keeping the last good config when one fails.
import { InvalidOptionError } from "../internal/options.ts";
import {
  builtinDecoders,
  decodeKeyValue,
  type Decoder,
  type Layer,
  loadParsers,
} from "./decode.ts";
import {
  backoff,
  type BackoffOptions,
  type BackoffSettings,
  backoffSettings,
  sleep,
} from "../internal/backoff.ts";
import { ConfigError, toConfigError } from "./errors.ts";
import { explainKey } from "./explain.ts";
import { deepEqual, deepFreeze, mergeAll } from "./merge.ts";
import { getAt, joinKey, splitKey, type Tree } from "./path.ts";
import { resolveTree } from "./placeholder.ts";
import { scanInto } from "./scan.ts";
import type { ConfigLogger, Explanation, KeyValue, Schema, Source, Watcher } from "./types.ts";
import { Value } from "./value.ts";

/** Options of {@linkcode createConfig}. */
export interface ConfigOptions {
  /** Sources in merge order: later ones win. */
  readonly sources: readonly Source[];
  /** Extra decoders by format name (file extension), next to json, yaml, yml and toml. */
  readonly decoders?: Readonly<Record<string, (text: string) => unknown>>;
  /** Where warnings and reported errors go; defaults to `console`. */
  readonly logger?: ConfigLogger;
  /** An error observer, as if registered with `onError`. */
  readonly onError?: ErrorObserver;
  /** Backoff after a failed watch, in milliseconds (defaults: 100 doubling up to 5000). */
  readonly backoff?: BackoffOptions;
}

/** Called with the new value of a watched key after a change. */
export type Observer = (value: Value, key: string) => void | Promise<void>;

/** Called with every error a change or a watcher produced (the config stays as it was). */
export type ErrorObserver = (error: ConfigError) => void;

/** Stops an observer or subscription. */
export type Unsubscribe = () => void;

/** A typed, always-current view of a subtree. */
export interface Subscription<T> {
  /** The latest successfully scanned value. */
  readonly current: T;
  /** Stops delivering changes. */
  unsubscribe(): void;
}

/** Layered, watched configuration (see the module docs). */
export interface Config {
  /** Loads every source, merges and resolves them, and starts watching; throws on failure. */
  load(): Promise<void>;
  /** The value at a dotted key (`""` for the whole config), as of now. */
  value(key: string): Value;
  /** Scans the whole config into a protobuf message schema or a Standard-Schema validator. */
  scan<T>(schema: Schema<T>): Promise<T>;
  /** Calls `observer` after each change of the value at `key`; several observers may watch. */
  watch(key: string, observer: Observer): Unsubscribe;
  /**
   * Scans the subtree at `key` into `schema` now and after each change of it, calling
   * `observer` with the fresh typed value. A change that fails the scan is rejected as a whole.
   */
  subscribe<T>(key: string, schema: Schema<T>, observer?: (value: T) => void): Promise<
    Subscription<T>
  >;
  /** Where the effective value at `key` came from; `undefined` when it is not set. */
  explain(key: string): Explanation | undefined;
  /** Registers an error observer for changes that were rejected and watchers that failed. */
  onError(observer: ErrorObserver): Unsubscribe;
  /** Stops all watchers; the config cannot be used afterwards. */
  close(): Promise<void>;
  /** Same as `close`, for `await using config = createConfig(…)`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Creates a config over `sources`; call `load()` before reading values. */
export function createConfig(options: ConfigOptions): Config {
  if (!options || !Array.isArray(options.sources)) {
    throw new InvalidOptionError(
      "createConfig",
      "sources",
      "an array of sources",
      options?.sources,
    );
  }
  options.sources.forEach((s, i) => {
    if (typeof s?.load !== "function" || typeof s.name !== "string") {
      throw new InvalidOptionError(
        "createConfig",
        `sources[${i}]`,
        "a config source (with name and load)",
        s,
      );
    }
  });
  return new LayeredConfig(options);
}

interface State {
  readonly kvs: readonly KeyValue[][];
  /** The decoded layers of each source, so a change re-decodes only its own source. */
  readonly bySource: readonly (readonly Layer[])[];
  readonly layers: readonly Layer[];
  /** Keys set only by lookup-only KeyValues. */
  readonly lookupOnly: ReadonlySet<string>;
  readonly raw: Tree;
  readonly resolved: Tree;
}

interface Sub {
  readonly segments: readonly string[];
  readonly schema: Schema<unknown>;
  readonly observer?: (value: unknown) => void;
  current: unknown;
}

class LayeredConfig implements Config {
  readonly #sources: readonly Source[];
  readonly #decoders: Readonly<Record<string, Decoder>>;
  readonly #logger: ConfigLogger;
  readonly #backoff: BackoffSettings;
  readonly #errorObservers = new Set<ErrorObserver>();
  readonly #keyObservers = new Map<string, Set<Observer>>();
  readonly #subs = new Set<Sub>();
  readonly #warned = new Map<string, string>();
  readonly #closing = new AbortController();
  readonly #watchers: Watcher[] = [];
  readonly #loops: Promise<void>[] = [];
  #state: State | undefined;
  #loading = false;
  #queue: Promise<void> = Promise.resolve();

  constructor(options: ConfigOptions) {
    this.#sources = [...options.sources];
    this.#decoders = { ...builtinDecoders, ...options.decoders };
    this.#logger = options.logger ?? console;
    this.#backoff = backoffSettings("config", options.backoff, { initialMs: 100, maxMs: 5_000 });
    if (options.onError) this.#errorObservers.add(options.onError);
  }

  async load(): Promise<void> {
    this.#assertOpen();
    if (this.#loading || this.#state) {
      throw new ConfigError("usage", "config: load() was already called");
    }
    this.#loading = true;
    try {
      const kvs = await Promise.all(this.#sources.map(async (s) => {
        try {
          return await s.load();
        } catch (e) {
          throw toConfigError(e, "source", `${s.name}: load failed`, s.name);
        }
      }));
      await loadParsers(kvs, this.#decoders);
      this.#state = this.#build(kvs);
    } finally {
      this.#loading = false;
    }
    const started: [number, Watcher][] = [];
    let at = 0;
    try {
      for (; at < this.#sources.length; at++) {
        const s = this.#sources[at];
        if (s.watch && !this.#closing.signal.aborted) started.push([at, await s.watch()]);
      }
    } catch (e) {
      // Leave nothing running, so load() can be retried.
      await Promise.all(started.map(([, w]) => w.stop().catch(() => {})));
      this.#state = undefined;
      const name = this.#sources[at].name;
      throw toConfigError(e, "source", `${name}: cannot watch`, name);
    }
    for (const [i, watcher] of started) {
      this.#watchers.push(watcher);
      this.#loops.push(this.#loop(i, watcher));
    }
  }

  value(key: string): Value {
    const state = this.#loaded();
    const segments = splitKey(key);
    return new Value(joinKey(segments), getAt(state.resolved, segments), this.#onUnknown);
  }

  scan<T>(schema: Schema<T>): Promise<T> {
    return scanInto(schema, this.#loaded().resolved, "", this.#onUnknown);
  }

  watch(key: string, observer: Observer): Unsubscribe {
    this.#assertOpen();
    if (typeof observer !== "function") {
      throw new ConfigError("usage", `config.watch("${key}"): the observer must be a function`);
    }
    const id = joinKey(splitKey(key));
    let set = this.#keyObservers.get(id);
    if (!set) this.#keyObservers.set(id, set = new Set());
    set.add(observer);
    return () => {
      set.delete(observer);
      if (set.size === 0 && this.#keyObservers.get(id) === set) this.#keyObservers.delete(id);
    };
  }

  async subscribe<T>(
    key: string,
    schema: Schema<T>,
    observer?: (value: T) => void,
  ): Promise<Subscription<T>> {
    const state = this.#loaded();
    const segments = splitKey(key);
    const sub: Sub = {
      segments,
      schema: schema as Schema<unknown>,
      observer: observer as ((value: unknown) => void) | undefined,
      current: await scanInto(
        schema,
        getAt(state.resolved, segments),
        joinKey(segments),
        this.#onUnknown,
      ),
    };
    this.#subs.add(sub);
    return {
      get current() {
        return sub.current as T;
      },
      unsubscribe: () => {
        this.#subs.delete(sub);
      },
    };
  }

  explain(key: string): Explanation | undefined {
    const state = this.#loaded();
    return explainKey(key, state.layers, state.raw, state.resolved);
  }

  onError(observer: ErrorObserver): Unsubscribe {
    this.#errorObservers.add(observer);
    return () => this.#errorObservers.delete(observer);
  }

  async close(): Promise<void> {
    if (this.#closing.signal.aborted) return;
    this.#closing.abort();
    await Promise.all(
      this.#watchers.map((w) =>
        w.stop().catch((e) => this.#report(toConfigError(e, "source", "stopping a watcher")))
      ),
    );
    await Promise.all(this.#loops);
    await this.#queue;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #assertOpen() {
    if (this.#closing.signal.aborted) throw new ConfigError("usage", "config: already closed");
  }

  #loaded(): State {
    this.#assertOpen();
    if (!this.#state) throw new ConfigError("usage", "config: call load() first");
    return this.#state;
  }

  // `reuse` is the current state when only source `changed` has new KeyValues.
  #build(kvs: readonly KeyValue[][], reuse?: State, changed?: number): State {
    const bySource = kvs.map((list, i) => {
      if (reuse !== undefined && i !== changed) return reuse.bySource[i];
      const name = this.#sources[i].name;
      return list.map((kv) => decodeKeyValue(kv, name, this.#decoders));
    });
    const layers = bySource.flat();
    const raw = deepFreeze(mergeAll(layers.map((l) => l.tree)));
    const lookupOnly = new Set<string>();
    for (const l of layers) if (l.lookupOnly) lookupOnly.add(l.key);
    for (const l of layers) if (!l.lookupOnly) lookupOnly.delete(l.key);
    return { kvs, bySource, layers, lookupOnly, raw, resolved: deepFreeze(resolveTree(raw)) };
  }

  async #loop(index: number, watcher: Watcher) {
    const name = this.#sources[index].name;
    // A watcher that ignores stop() must not keep close() waiting.
    const closed = new Promise<null>((resolve) =>
      this.#closing.signal.addEventListener("abort", () => resolve(null), { once: true })
    );
    const retry = backoff(this.#backoff, "config");
    while (!this.#closing.signal.aborted) {
      let kvs: KeyValue[] | null;
      try {
        kvs = await Promise.race([watcher.next(), closed]);
      } catch (e) {
        // Stopped (by close(), or by the source itself): the watch is over, not failing.
        if (this.#closing.signal.aborted) break;
        if (e instanceof ConfigError && e.code === "watcher_stopped") break;
        this.#report(toConfigError(e, "source", `${name}: watch failed`, name));
        await sleep(retry.next(), this.#closing.signal).catch(() => {});
        continue;
      }
      if (kvs === null) break;
      retry.reset();
      const change = kvs;
      this.#queue = this.#queue.then(() => this.#apply(index, change));
      await this.#queue;
    }
  }

  // Builds and validates the candidate fully before committing, so observers only ever see a
  // complete, valid config, and a failure anywhere leaves the current one untouched.
  async #apply(index: number, kvs: KeyValue[]) {
    const old = this.#state;
    if (!old || this.#closing.signal.aborted) return;
    let next: State;
    const scanned = new Map<Sub, unknown>();
    try {
      const all = [...old.kvs];
      all[index] = kvs;
      await loadParsers([kvs], this.#decoders);
      next = this.#build(all, old, index);
      for (const sub of this.#subs) {
        const value = getAt(next.resolved, sub.segments);
        if (deepEqual(getAt(old.resolved, sub.segments), value)) continue;
        const key = joinKey(sub.segments);
        scanned.set(sub, await scanInto(sub.schema, value, key, this.#onUnknown));
      }
    } catch (e) {
      const err = toConfigError(e, "source", `${this.#sources[index].name}: change rejected`);
      this.#report(err);
      return;
    }
    if (this.#closing.signal.aborted) return;
    this.#state = next;
    for (const [id, observers] of this.#keyObservers) {
      const segments = splitKey(id);
      const value = getAt(next.resolved, segments);
      if (deepEqual(getAt(old.resolved, segments), value)) continue;
      for (const o of [...observers]) {
        this.#safely(() => o(new Value(id, value, this.#onUnknown), id), `observer of "${id}"`);
      }
    }
    for (const [sub, value] of scanned) {
      if (!this.#subs.has(sub)) continue;
      sub.current = value;
      const observer = sub.observer;
      if (observer) this.#safely(() => observer(value), `subscriber of "${joinKey(sub.segments)}"`);
    }
  }

  #safely(fn: () => void | Promise<void>, what: string) {
    const fail = (e: unknown) => this.#report(toConfigError(e, "usage", `${what} threw`));
    try {
      const out = fn();
      if (out instanceof Promise) out.catch(fail);
    } catch (e) {
      fail(e);
    }
  }

  #report(error: ConfigError) {
    this.#logger.warn(`config: ${error.message}`);
    for (const o of [...this.#errorObservers]) {
      try {
        o(error);
      } catch {
        // An error observer that throws must not break the watch loop.
      }
    }
  }

  // Values only there for placeholders (env's flat names) are not mistakes worth a warning.
  readonly #onUnknown = (typeName: string, fields: string[], key: string) => {
    const lookupOnly = this.#state?.lookupOnly;
    const list = fields.filter((f) =>
      !lookupOnly?.has(joinKey(splitKey(key === "" ? f : `${key}.${f}`)))
    ).join(", ");
    if (list === "") return;
    if (this.#warned.get(typeName) === list) return;
    this.#warned.set(typeName, list);
    this.#logger.warn(`config: ignoring unknown fields while scanning into ${typeName}: ${list}`);
  };
}
