// Keeps one service's instance list current from an etcd watch. Events are applied as deltas
// (Kratos re-reads the whole prefix per event), so a removal reaches watchers one message after
// etcd commits it. Lost history (compaction, a wiped store) re-lists at once; failures re-list
// after a backoff, reported as `watch_retry`.
import { backoff, type BackoffOptions, sleep } from "../../internal/backoff.ts";
import { type EtcdClient, type EtcdKeyValue, RangeWatch } from "../../internal/etcd/mod.ts";
import { toRegistryError } from "../errors.ts";
import { decodeInstance } from "../instance.ts";
import type { RegistryEvent, ServiceInstance } from "../registry.ts";
import type { Publish } from "../watcher.ts";

/** What the watch loop needs. */
export interface EtcdWatchOptions {
  /** The client. */
  readonly client: EtcdClient;
  /** Service name (records with another name are ignored, like Kratos). */
  readonly service: string;
  /** Key prefix `{namespace}/{service}/`. */
  readonly prefix: string;
  /** Pacing of reconnects after failures. */
  readonly backoff: BackoffOptions;
  /** Event sink. */
  emit(event: RegistryEvent): void;
}

const decoder = new TextDecoder();

/** A service's instances keyed by etcd key, at a known revision. */
export class ServiceState {
  readonly #byKey = new Map<string, ServiceInstance>();
  /** Revision up to which every change is reflected. */
  revision = 0n;

  constructor(readonly options: EtcdWatchOptions) {}

  /** Replaces everything with a fresh listing. */
  reset(kvs: readonly EtcdKeyValue[], revision: bigint): void {
    this.#byKey.clear();
    for (const kv of kvs) this.put(kv);
    this.revision = revision;
  }

  /** Applies a PUT; malformed records are dropped and reported, foreign names ignored. */
  put(kv: EtcdKeyValue): void {
    this.#byKey.delete(kv.key);
    try {
      const instance = decodeInstance(decoder.decode(kv.value), kv.key);
      if (instance.name === this.options.service) this.#byKey.set(kv.key, instance);
    } catch (error) {
      this.options.emit({
        type: "invalid_record",
        service: this.options.service,
        error: error as Error,
      });
    }
  }

  /** Applies a DELETE. */
  delete(key: string): void {
    this.#byKey.delete(key);
  }

  /** The current list. */
  list(): ServiceInstance[] {
    return [...this.#byKey.values()];
  }
}

/** Lists the service once; used for `getService` and the first `next()`. */
export async function listService(
  state: ServiceState,
  signal?: AbortSignal,
): Promise<ServiceInstance[]> {
  const { client, prefix } = state.options;
  const { revision, kvs } = await client.range({ key: prefix, prefix: true }, signal);
  state.reset(kvs, revision);
  return state.list();
}

/** Runs until `signal` aborts, publishing the list whenever it changes. */
export async function followService(
  state: ServiceState,
  publish: Publish,
  signal: AbortSignal,
): Promise<void> {
  const { client, prefix, service, emit } = state.options;
  const retry = backoff(state.options.backoff);
  const watch = new RangeWatch(client, { key: prefix, prefix: true }, state.revision, signal);
  let relist = false;
  while (!signal.aborted) {
    try {
      if (relist) {
        publish(await listService(state, signal));
        watch.revision = state.revision;
        relist = false;
      }
      const step = await watch.next();
      retry.reset();
      if (step.kind === "reset") {
        relist = true;
        continue;
      }
      for (const { type, kv } of step.events) {
        if (type === "put") state.put(kv);
        else state.delete(kv.key);
      }
      state.revision = watch.revision;
      publish(state.list());
    } catch (error) {
      if (signal.aborted) return;
      relist = true;
      const delayMs = retry.next();
      emit({
        type: "watch_retry",
        service,
        error: toRegistryError(error, "unavailable", "etcd watch"),
        delayMs,
      });
      await sleep(delayMs, signal).catch(() => {});
    }
  }
  watch.close();
}
