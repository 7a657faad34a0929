// Source changes for `atreus run`: one event per burst, because editors save in several steps
// (write temp, rename, chmod) and each step would otherwise restart the app.
import { relative, sep } from "node:path";

// New code means a restart; configs are reloaded live by the app itself, and regenerated protos
// arrive as gen/*.ts.
const sourceFile = /\.(ts|tsx|mts|js|mjs|json|jsonc)$/;
const ignoredDirs = new Set(["node_modules", ".git"]);
const settleMs = 150;

/** Watches a directory tree for changed source files. */
export class SourceWatcher {
  readonly #dir: string;
  readonly #watcher: Deno.FsWatcher;
  readonly #events: AsyncIterator<Deno.FsEvent>;
  // Always one read in flight, so no event falls between two reads.
  #pending: Promise<IteratorResult<Deno.FsEvent>>;

  /** Starts watching `dir` recursively. */
  constructor(dir: string) {
    this.#dir = dir;
    this.#watcher = Deno.watchFs(dir, { recursive: true });
    this.#events = this.#watcher[Symbol.asyncIterator]();
    this.#pending = this.#events.next();
  }

  /** The next changed source (relative to the directory), or undefined once closed. */
  async next(): Promise<string | undefined> {
    for (;;) {
      const result = await this.#read();
      if (result.done) return undefined;
      const changed = this.#sourceOf(result.value);
      if (changed === undefined) continue;
      await this.#settle();
      return changed;
    }
  }

  /** Stops watching; a pending next() resolves with undefined. */
  close(): void {
    try {
      this.#watcher.close();
    } catch {
      // already closed
    }
  }

  #read(): Promise<IteratorResult<Deno.FsEvent>> {
    const result = this.#pending;
    this.#pending = result.then((r) => r.done ? r : this.#events.next());
    return result;
  }

  // Swallows the rest of a burst: events until none came for settleMs.
  async #settle(): Promise<void> {
    for (;;) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const quiet = new Promise<"quiet">((r) => timer = setTimeout(() => r("quiet"), settleMs));
      const more = await Promise.race([quiet, this.#pending]);
      clearTimeout(timer);
      if (more === "quiet") return;
      await this.#read();
      if (more.done) return;
    }
  }

  #sourceOf(event: Deno.FsEvent): string | undefined {
    if (event.kind === "access") return undefined;
    for (const path of event.paths) {
      const rel = relative(this.#dir, path);
      if (!sourceFile.test(rel)) continue;
      if (rel.split(sep).some((part) => ignoredDirs.has(part))) continue;
      return rel;
    }
    return undefined;
  }
}
