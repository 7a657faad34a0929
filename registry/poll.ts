// The watch loop of the adapters that learn the list by asking again (Consul blocking queries,
// Nacos polling): ask, publish, pause, and on failure keep the last list and retry with
// backoff — a registry outage must never look like "all instances are gone".
import { backoff, type BackoffOptions, sleep } from "../internal/backoff.ts";
import { toRegistryError } from "./errors.ts";
import type { RegistryEvent, ServiceInstance, Watcher } from "./registry.ts";
import { type Publish, startWatcher, type WatcherSet } from "./watcher.ts";

/** One round of a polling watch. */
export interface PollRound {
  /** The full current list. */
  readonly instances: ServiceInstance[];
  /** How long to wait before the next round. */
  readonly pauseMs: number;
}

/** What the loop needs. */
export interface PollOptions {
  /** The watched service (for events). */
  readonly service: string;
  /** One round; `afterFailure` is true when the previous round failed. */
  round(signal: AbortSignal, afterFailure: boolean): Promise<PollRound>;
  /** Pacing of retries. */
  readonly backoff: BackoffOptions;
  /** Event sink. */
  emit(event: RegistryEvent): void;
}

/** Runs rounds until `signal` aborts. */
export async function pollLoop(
  options: PollOptions,
  publish: Publish,
  signal: AbortSignal,
): Promise<void> {
  const retry = backoff(options.backoff);
  let failed = false;
  while (!signal.aborted) {
    let pauseMs: number;
    try {
      const round = await options.round(signal, failed);
      failed = false;
      retry.reset();
      publish(round.instances);
      pauseMs = round.pauseMs;
    } catch (error) {
      if (signal.aborted) return;
      failed = true;
      pauseMs = retry.next();
      options.emit({
        type: "watch_retry",
        service: options.service,
        error: toRegistryError(error, "unavailable", `registry: watching ${options.service}`),
        delayMs: pauseMs,
      });
    }
    if (pauseMs > 0) await sleep(pauseMs, signal).catch(() => {});
  }
}

/** A watcher that starts from `initial` and then runs polling rounds. */
export function startPollingWatcher(
  initial: ServiceInstance[],
  options: PollOptions,
  live: WatcherSet,
  signal?: AbortSignal,
): Watcher {
  return startWatcher(
    options.service,
    initial,
    (publish, stopped) => pollLoop(options, publish, stopped),
    live,
    signal,
  );
}
