// Feeds a selector from registry discovery: every list the watcher delivers becomes the node
// list. Watchers never deliver a registry outage as an empty list, so the selector keeps the
// last good list while the registry is unreachable; if a watcher itself breaks, the resolver
// keeps that list and opens a new watch with backoff.
import { backoff, type BackoffOptions, sleep } from "../internal/backoff.ts";
import type { Discovery, Watcher } from "../registry/mod.ts";
// The error alone, not the registry barrel: a service that balances never loads every adapter.
import { RegistryError } from "../registry/errors.ts";
import { type Node, toNodes } from "./node.ts";
import type { Selector } from "./selector.ts";

/** Options of `startResolver`. */
export interface ResolverOptions {
  /** Keep only endpoints with these schemes (see `toNodes`), e.g. `["grpc"]`. */
  readonly schemes?: readonly string[];
  /** Stops the resolver. */
  readonly signal?: AbortSignal;
  /** Told about malformed endpoints and broken watches (default: `console.warn`). */
  readonly onError?: (error: Error) => void;
  /** Pacing of re-watching after a broken watch (default 500 ms growing to 10 s). */
  readonly backoff?: BackoffOptions;
}

/** A running resolver. */
export interface Resolver {
  /** The nodes last applied. */
  nodes(): readonly Node[];
  /** Stops watching; the selector keeps its nodes. */
  stop(): Promise<void>;
}

/**
 * Watches `service` and applies each list to `selector`. Resolves once the first list is
 * applied; rejects (with the registry's error) when the first watch cannot be opened.
 */
export async function startResolver(
  discovery: Discovery,
  service: string,
  selector: Selector,
  options: ResolverOptions = {},
): Promise<Resolver> {
  const controller = new AbortController();
  const { signal } = controller;
  options.signal?.addEventListener("abort", () => controller.abort(), { once: true });
  const report = options.onError ??
    ((error: Error) => console.warn(`selector: ${service}: ${error.message}`));
  const apply = (instances: Parameters<typeof toNodes>[0]) =>
    selector.apply(toNodes(instances, { schemes: options.schemes, onInvalid: report }));

  let watcher: Watcher = await discovery.watch(service, signal);
  apply(await watcher.next());
  const retry = backoff(options.backoff, "resolver");

  const loop = async () => {
    while (!signal.aborted) {
      try {
        apply(await watcher.next());
        retry.reset();
      } catch (error) {
        if (signal.aborted) return;
        if (!(error instanceof RegistryError && error.code === "watcher_stopped")) {
          report(error instanceof Error ? error : new Error(String(error)));
        }
        await watcher.stop().catch(() => {});
        for (;;) {
          await sleep(retry.next(), signal);
          try {
            watcher = await discovery.watch(service, signal);
            break;
          } catch (again) {
            if (signal.aborted) return;
            report(again instanceof Error ? again : new Error(String(again)));
          }
        }
      }
    }
  };
  const done = loop().catch(() => {
    // Only an aborted sleep ends the loop by throwing.
  });
  return {
    nodes: () => selector.nodes(),
    async stop() {
      controller.abort();
      await watcher.stop().catch(() => {});
      await done;
    },
  };
}
