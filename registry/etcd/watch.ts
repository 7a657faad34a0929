// Keeps one service's instance list current from an etcd watch stream. Events are applied as
// deltas (Kratos re-reads the whole prefix per event), so a removal reaches watchers one
// message after etcd commits it. The stream is fragile by nature — servers restart (clean EOF),
// runtimes cut idle bodies (Node after 300 s), history gets compacted — so the loop treats every
// end as a reconnect: quiet ends resume from the last revision, failures re-list first.
import { backoff, type BackoffOptions, sleep } from "../../internal/backoff.ts";
import { IdleTimeoutError } from "../../internal/ndjson.ts";
import { RegistryError, toRegistryError } from "../errors.ts";
import { decodeInstance } from "../instance.ts";
import type { RegistryEvent, ServiceInstance } from "../registry.ts";
import type { Publish } from "../watcher.ts";
import type { EtcdGateway, KeyValue } from "./gateway.ts";

/** What the watch loop needs. */
export interface EtcdWatchOptions {
  /** The gateway. */
  readonly gateway: EtcdGateway;
  /** Service name (records with another name are ignored, like Kratos). */
  readonly service: string;
  /** Key prefix `{namespace}/{service}/`. */
  readonly prefix: string;
  /** Reconnect after this long without a byte. */
  readonly idleMs: number;
  /** Pacing of reconnects after failures. */
  readonly backoff: BackoffOptions;
  /** Event sink. */
  emit(event: RegistryEvent): void;
}

/** A service's instances keyed by etcd key, at a known revision. */
export class ServiceState {
  readonly #byKey = new Map<string, ServiceInstance>();
  /** Revision up to which every change is reflected. */
  revision = 0n;

  constructor(readonly options: EtcdWatchOptions) {}

  /** Replaces everything with a fresh listing. */
  reset(kvs: readonly KeyValue[], revision: bigint): void {
    this.#byKey.clear();
    for (const kv of kvs) this.put(kv);
    this.revision = revision;
  }

  /** Applies a PUT; malformed records are dropped and reported, foreign names ignored. */
  put(kv: KeyValue): void {
    this.#byKey.delete(kv.key);
    try {
      const instance = decodeInstance(kv.value, kv.key);
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
  const { revision, kvs } = await state.options.gateway.range(state.options.prefix, signal);
  state.reset(kvs, revision);
  return state.list();
}

/** Runs until `signal` aborts, publishing the list whenever it changes. */
export async function followService(
  state: ServiceState,
  publish: Publish,
  signal: AbortSignal,
): Promise<void> {
  const { gateway, prefix, idleMs, service, emit } = state.options;
  const retry = backoff(state.options.backoff);
  let relist = false;
  while (!signal.aborted) {
    try {
      if (relist) {
        publish(await listService(state, signal));
        relist = false;
      }
      for await (const message of gateway.watch(prefix, state.revision + 1n, idleMs, signal)) {
        if (message.kind === "created") {
          retry.reset();
          // A store that starts below our revision was wiped: our history is meaningless.
          if (message.revision < state.revision) throw new StoreResetError();
        } else if (message.kind === "events") {
          for (const { type, kv } of message.events) {
            if (type === "put") state.put(kv);
            else state.delete(kv.key);
            if (kv.modRevision > state.revision) state.revision = kv.modRevision;
          }
          publish(state.list());
        } else if (message.kind === "progress") {
          if (message.revision > state.revision) state.revision = message.revision;
        } else if (message.kind === "compacted") {
          throw new StoreResetError();
        } else {
          throw new RegistryError("unavailable", `etcd /watch canceled: ${message.reason}`);
        }
      }
      // A clean end of the body means the server went away (it never ends a watch itself).
      throw new RegistryError("unavailable", "etcd /watch: stream ended");
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof IdleTimeoutError) continue;
      relist = true;
      if (error instanceof StoreResetError) continue;
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
}

// Compaction or a wiped store: re-list at once, no backoff, nothing to report.
class StoreResetError extends Error {}
