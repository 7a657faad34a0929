// Bounded waits for registry tests: every wait has a deadline and fails with what it last saw,
// so a broken adapter fails the test instead of hanging it.
import type { ServiceInstance, Watcher } from "../../registry/mod.ts";

/** Resolves with `promise`, or rejects with `message` after `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} (waited ${ms} ms)`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads the watcher until a list satisfies `predicate`; fails after `ms` showing the last list.
 * A `next()` left pending by the timeout is rejected later by `stop()`; that rejection is
 * swallowed here so it cannot surface as an unhandled one.
 */
export async function watchUntil(
  watcher: Watcher,
  predicate: (list: ServiceInstance[]) => boolean,
  ms: number,
  what: string,
): Promise<ServiceInstance[]> {
  const deadline = Date.now() + ms;
  let last: ServiceInstance[] | undefined;
  for (;;) {
    const pending = watcher.next();
    pending.catch(() => {});
    const left = deadline - Date.now();
    last = await within(
      pending,
      Math.max(left, 1),
      `watcher: ${what}; last list ${JSON.stringify(last?.map((i) => i.id))}`,
    );
    if (predicate(last)) return last;
  }
}

/** Calls `probe` until it returns true; fails after `ms` with the last value or error seen. */
export async function eventually(
  probe: () => Promise<boolean>,
  ms: number,
  what: string,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      if (await probe()) return;
      last = "false";
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not true within ${ms} ms (last: ${String(last)})`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A unique service name per test, so tests sharing a backend cannot see each other. */
export function uniqueName(prefix = "svc"): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}
