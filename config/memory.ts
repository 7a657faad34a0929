// An in-memory source for tests and embedding: its contents can be replaced at run time,
// which watchers see as a change.
import { ConfigError, watcherStopped } from "./errors.ts";
import { Mailbox } from "./mailbox.ts";
import { isPlainObject } from "./path.ts";
import type { KeyValue, Source, Watcher } from "./types.ts";

/** A source holding an object in memory; `set` replaces it and notifies watchers. */
export interface MemorySource extends Source {
  /** Replaces the contents (a plain object) and notifies watchers. */
  set(contents: Readonly<Record<string, unknown>>): void;
}

/** Options of {@linkcode memory}. */
export interface MemoryOptions {
  /** Location `explain` shows; defaults to `memory`. */
  readonly name?: string;
}

/** A source holding `contents` (a plain object), replaceable with `set`. */
export function memory(
  contents: Readonly<Record<string, unknown>>,
  options: MemoryOptions = {},
): MemorySource {
  const location = options.name ?? "memory";
  const check = (c: unknown) => {
    if (!isPlainObject(c)) {
      throw new ConfigError(
        "usage",
        `memory source "${location}": contents must be a plain object`,
      );
    }
    return structuredClone(c);
  };
  let current = check(contents);
  const boxes = new Set<Mailbox<KeyValue[]>>();
  const snapshot = (): KeyValue[] => [{ key: "", value: current, format: "", origin: location }];
  return {
    name: "memory",
    load: () => Promise.resolve(snapshot()),
    set(next) {
      current = check(next);
      for (const box of boxes) box.put(snapshot());
    },
    watch(): Promise<Watcher> {
      const box = new Mailbox<KeyValue[]>();
      boxes.add(box);
      return Promise.resolve({
        next: () => box.take(),
        stop() {
          boxes.delete(box);
          box.close(watcherStopped(location));
          return Promise.resolve();
        },
      });
    },
  };
}
