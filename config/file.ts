// Files as a source: one file, or every config file of a directory in lexical order. Watching
// covers the directory (not the file), so editors' atomic rename-and-replace saves and
// Kubernetes ConfigMap symlink swaps are seen; events are debounced and contents compared,
// so temp files and duplicate events cause no spurious changes.
import { InvalidOptionError, nonNegative } from "../internal/options.ts";
import { formatOf } from "./decode.ts";
import { toConfigError, watcherStopped } from "./errors.ts";
import { Mailbox } from "./mailbox.ts";
import { type FileSystem, fileSystem, type FsWatch } from "./runtime.ts";
import type { KeyValue, Source, Watcher } from "./types.ts";

/** Options of {@linkcode file}. */
export interface FileOptions {
  /** Quiet time after the last file-system event before re-reading, in ms; default 100. */
  readonly debounceMs?: number;
  /** Extensions read from a directory; default json, yaml, yml, toml. Others are skipped. */
  readonly extensions?: readonly string[];
}

const DEFAULT_EXTENSIONS = ["json", "yaml", "yml", "toml"];

/**
 * A source reading a file, or the files of a directory (not recursive, lexical order, dotfiles
 * and editor backups skipped). The format comes from the extension. Not available on Workers.
 */
export function file(path: string | URL, options: FileOptions = {}): Source {
  const target = typeof path === "string" ? path : decodeURIComponent(path.pathname);
  if (typeof target !== "string" || target === "") {
    throw new InvalidOptionError("file", "path", "a non-empty string or a file: URL", path);
  }
  const debounceMs = nonNegative("file", "debounceMs", options.debounceMs ?? 100);
  const extensions = new Set(
    (options.extensions ?? DEFAULT_EXTENSIONS).map((e) => e.toLowerCase()),
  );
  let last: Map<string, Uint8Array> | undefined;

  const read = async (fs: FileSystem): Promise<{ dir: string; files: Map<string, Uint8Array> }> => {
    let isDir: boolean;
    try {
      isDir = await fs.isDirectory(target);
    } catch (e) {
      throw toConfigError(e, "source", `file: cannot read ${target}`, "file");
    }
    const files = new Map<string, Uint8Array>();
    if (!isDir) {
      files.set(target, await readOne(fs, target));
      return { dir: dirname(target), files };
    }
    const names = (await fs.readDir(target)).filter((n) =>
      !n.startsWith(".") && !n.endsWith("~") && extensions.has(formatOf(n))
    ).sort();
    for (const name of names) {
      const p = join(target, name);
      if (await fs.isFile(p)) files.set(p, await readOne(fs, p));
    }
    return { dir: target, files };
  };

  const toKeyValues = (files: Map<string, Uint8Array>): KeyValue[] =>
    [...files].map(([p, bytes]) => ({
      key: p.slice(p.lastIndexOf("/") + 1),
      value: bytes,
      format: formatOf(p),
      origin: p,
    }));

  return {
    name: "file",
    async load() {
      const { files } = await read(fileSystem());
      last = files;
      return toKeyValues(files);
    },
    async watch(): Promise<Watcher> {
      const fs = fileSystem();
      const { dir } = await read(fs);
      const box = new Mailbox<{ kvs: KeyValue[] } | { error: unknown }>();
      let timer: ReturnType<typeof setTimeout> | undefined;
      let reading: Promise<void> | undefined;
      let dirty = false;
      let stopped = false;

      const check = async () => {
        try {
          const { files } = await read(fs);
          if (last === undefined || !sameFiles(last, files)) {
            last = files;
            box.put({ kvs: toKeyValues(files) });
          }
        } catch (e) {
          box.put({ error: e });
        }
      };
      // One read at a time; events during a read schedule one more read after it.
      const run = () => {
        timer = undefined;
        if (stopped) return;
        if (reading) {
          dirty = true;
          return;
        }
        reading = check().finally(() => {
          reading = undefined;
          if (dirty && !stopped) {
            dirty = false;
            schedule();
          }
        });
      };
      const schedule = () => {
        if (stopped) return;
        if (timer !== undefined) clearTimeout(timer);
        timer = setTimeout(run, debounceMs);
      };
      const handle: FsWatch = await fs.watch(dir, schedule, (e) => box.put({ error: e }));
      // Catches edits made between load() and the start of this watch.
      schedule();
      return {
        async next() {
          const item = await box.take();
          if ("error" in item) throw item.error;
          return item.kvs;
        },
        async stop() {
          stopped = true;
          if (timer !== undefined) clearTimeout(timer);
          box.close(watcherStopped("file"));
          await handle.close();
          await reading;
        },
      };
    },
  };
}

async function readOne(fs: FileSystem, p: string): Promise<Uint8Array> {
  try {
    return await fs.readFile(p);
  } catch (e) {
    throw toConfigError(e, "source", `file: cannot read ${p}`, "file");
  }
}

function sameFiles(a: Map<string, Uint8Array>, b: Map<string, Uint8Array>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, x] of a) {
    const y = b.get(k);
    if (y === undefined || x.length !== y.length || x.some((v, i) => v !== y[i])) return false;
  }
  return true;
}

function join(dir: string, name: string): string {
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

function dirname(p: string): string {
  const i = p.lastIndexOf("/");
  if (i < 0) return ".";
  return i === 0 ? "/" : p.slice(0, i);
}
