// The Watcher shape shared by the remote sources: `next` runs one pull loop until it finds a
// change, and `stop` cancels it, so a pending `next` resolves with null instead of failing.
import type { KeyValue, Watcher } from "./types.ts";

/** A Watcher over `step`, which pulls until there is a change or `signal` aborts. */
export function pollWatcher(
  step: (signal: AbortSignal) => Promise<KeyValue[] | null>,
  cleanup?: () => Promise<void>,
): Watcher {
  const stopping = new AbortController();
  let inflight: Promise<unknown> | undefined;
  return {
    next() {
      const p = step(stopping.signal).catch((e) => {
        if (stopping.signal.aborted) return null;
        throw e;
      });
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
