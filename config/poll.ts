// The Watcher shape shared by the remote sources: `next` runs one pull loop until it finds a
// change, and `stop` cancels it, so a pending `next` rejects with `watcher_stopped` (the one
// Watcher contract) instead of reporting the cancelled request as a failure.
import { watcherStopped } from "./errors.ts";
import type { KeyValue, Watcher } from "./types.ts";

/**
 * A Watcher of source `source` over `step`, which pulls until there is a change, or returns
 * null once `signal` aborts.
 */
export function pollWatcher(
  source: string,
  step: (signal: AbortSignal) => Promise<KeyValue[] | null>,
  cleanup?: () => Promise<void>,
): Watcher {
  const stopping = new AbortController();
  let inflight: Promise<unknown> | undefined;
  return {
    next() {
      if (stopping.signal.aborted) return Promise.reject(watcherStopped(source));
      const p = step(stopping.signal).then(
        (kvs) => {
          if (kvs === null || stopping.signal.aborted) throw watcherStopped(source);
          return kvs;
        },
        (e) => {
          throw stopping.signal.aborted ? watcherStopped(source) : e;
        },
      );
      inflight = p.catch(() => {});
      return p;
    },
    async stop() {
      stopping.abort();
      await cleanup?.();
      await inflight;
    },
  };
}
