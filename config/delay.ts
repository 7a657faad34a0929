// Abortable waiting, used for retry backoff in watch loops (never as synchronisation).

/** Resolves after `ms`, or as soon as `signal` aborts (without rejecting). */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Exponential backoff: `initial`, doubling per consecutive failure, capped at `max`. */
export function backoff(failures: number, initial: number, max: number): number {
  return Math.min(max, initial * 2 ** Math.max(0, failures - 1));
}
