// The heartbeat loop behind every registrar (etcd lease keepalive, Consul TTL check, Nacos
// beat). Unlike Kratos, which gives up after five failed re-registrations (issue #3883), the
// loop never stops on its own: an instance that is running must come back once the backend
// does, so it retries with capped, jittered backoff until it is stopped.
import { backoff, type BackoffOptions, sleep } from "../internal/backoff.ts";
import { RegistryError, toRegistryError } from "./errors.ts";
import type { RegistryEvent, ServiceInstance } from "./registry.ts";

/** What a registrar plugs into the loop. */
export interface KeeperOptions {
  /** The registered instance (for events). */
  readonly instance: ServiceInstance;
  /** Delay between heartbeats, read before each one (backends may change it). */
  intervalMs(): number;
  /** One heartbeat: `true` while registered, `false` when the backend forgot the instance. */
  beat(signal: AbortSignal): Promise<boolean>;
  /** Registers from scratch (or repairs) after a loss. */
  register(signal: AbortSignal): Promise<void>;
  /** Pacing of re-registration attempts. */
  readonly backoff: BackoffOptions;
  /** Event sink. */
  emit(event: RegistryEvent): void;
}

/** A running heartbeat loop. */
export interface Keeper {
  /** Stops the loop and waits until no request of it is in flight. */
  stop(): Promise<void>;
}

/** Starts the loop; the first heartbeat goes out after one interval. */
export function keepAlive(options: KeeperOptions): Keeper {
  const controller = new AbortController();
  const { signal } = controller;
  const loop = async () => {
    const retry = backoff(options.backoff);
    for (;;) {
      await sleep(options.intervalMs(), signal);
      let lost: Error;
      try {
        if (await options.beat(signal)) continue;
        lost = new RegistryError(
          "unavailable",
          `registry: ${options.instance.name}/${options.instance.id} is no longer registered`,
        );
      } catch (error) {
        if (signal.aborted) return;
        lost = toRegistryError(error, "unavailable", "registry: heartbeat failed");
      }
      options.emit({ type: "registration_lost", instance: options.instance, error: lost });
      retry.reset();
      for (let attempts = 1;; attempts++) {
        try {
          await options.register(signal);
          options.emit({ type: "registration_recovered", instance: options.instance, attempts });
          break;
        } catch (error) {
          if (signal.aborted) return;
          const delayMs = retry.next();
          options.emit({
            type: "registration_retry",
            instance: options.instance,
            error: toRegistryError(error, "unavailable", "registry: re-registration failed"),
            delayMs,
          });
          await sleep(delayMs, signal);
        }
      }
    }
  };
  const done = loop().catch((error) => {
    // Aborted sleeps end the loop; anything else is a bug worth seeing.
    if (!signal.aborted) throw error;
  });
  return {
    async stop() {
      controller.abort(new RegistryError("closed", "registry: heartbeat stopped"));
      await done;
    },
  };
}

/** The heartbeat loops of one adapter, by registration key. */
export class KeeperSet {
  readonly #loops = new Map<string, Keeper>();

  /** Stops and forgets the loop under `key` (if any). */
  async stop(key: string): Promise<void> {
    const keeper = this.#loops.get(key);
    this.#loops.delete(key);
    await keeper?.stop();
  }

  /** Tracks `keeper` under `key`, stopping one that a concurrent registration left there. */
  async set(key: string, keeper: Keeper): Promise<void> {
    const previous = this.#loops.get(key);
    this.#loops.set(key, keeper);
    await previous?.stop();
  }

  /** Stops every loop. */
  async stopAll(): Promise<void> {
    const all = [...this.#loops.values()];
    this.#loops.clear();
    await Promise.all(all.map((k) => k.stop()));
  }
}
