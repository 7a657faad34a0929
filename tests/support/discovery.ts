// Discovery that delivers every list after the first `ms` late, like a registry far away: calls
// keep reaching an instance that has already deregistered, the case retries exist for.
import type { Discovery, Watcher } from "../../registry/mod.ts";

/** Wraps `inner` so each watched list after the first arrives `ms` late. */
export function delayedDiscovery(inner: Discovery, ms: number): Discovery {
  return {
    getService: (name) => inner.getService(name),
    async watch(name, signal): Promise<Watcher> {
      const w = await inner.watch(name, signal);
      let first = true;
      return {
        async next() {
          const list = await w.next();
          if (!first) await new Promise((r) => setTimeout(r, ms));
          first = false;
          return list;
        },
        stop: () => w.stop(),
      };
    },
  };
}
