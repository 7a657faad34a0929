// File-system access behind a runtime switch: Deno APIs on Deno, node:fs on Node and Bun,
// nothing on Workers. Imports of node:fs are dynamic so the module loads everywhere.
import { ConfigError } from "./errors.ts";

/** The file-system calls the file source needs. */
export interface FileSystem {
  /** Whether a path is a directory (follows symlinks); throws when it does not exist. */
  isDirectory(path: string): Promise<boolean>;
  /** Whether a path is a regular file (follows symlinks); false when it does not exist. */
  isFile(path: string): Promise<boolean>;
  /** Names in a directory. */
  readDir(path: string): Promise<string[]>;
  /** Contents of a file. */
  readFile(path: string): Promise<Uint8Array>;
  /** Watches a directory (not recursively), calling `onEvent` on any change inside it. */
  watch(dir: string, onEvent: () => void, onError: (e: unknown) => void): Promise<FsWatch>;
}

/** A running directory watch. */
export interface FsWatch {
  /** Stops watching; resolves when the watch has fully ended. */
  close(): Promise<void>;
}

type DenoFs = {
  stat(p: string): Promise<{ isDirectory: boolean; isFile: boolean }>;
  readDir(p: string): AsyncIterable<{ name: string }>;
  readFile(p: string): Promise<Uint8Array>;
  watchFs(p: string, o: { recursive: boolean }): AsyncIterable<unknown> & { close(): void };
};

/** The file system of this runtime; throws an `unsupported` ConfigError on Workers. */
export function fileSystem(): FileSystem {
  const g = globalThis as {
    Deno?: DenoFs;
    navigator?: { userAgent?: string };
    process?: { versions?: { node?: string } };
  };
  if (g.navigator?.userAgent === "Cloudflare-Workers" || (!g.Deno && !g.process?.versions?.node)) {
    throw new ConfigError(
      "unsupported",
      "file: this runtime has no file system (Cloudflare Workers); use env() with the Worker's bindings or a remote source (etcd, consul, nacos)",
      { source: "file" },
    );
  }
  return g.Deno ? denoFs(g.Deno) : nodeFs();
}

function denoFs(deno: DenoFs): FileSystem {
  return {
    isDirectory: async (p) => (await deno.stat(p)).isDirectory,
    isFile: (p) => deno.stat(p).then((s) => s.isFile, () => false),
    async readDir(p) {
      const names: string[] = [];
      for await (const e of deno.readDir(p)) names.push(e.name);
      return names;
    },
    readFile: (p) => deno.readFile(p),
    watch(dir, onEvent, onError) {
      const watcher = deno.watchFs(dir, { recursive: false });
      let closed = false;
      const done = (async () => {
        try {
          for await (const _ of watcher) onEvent();
          if (!closed) onError(new Error(`watching ${dir} ended (directory removed?)`));
        } catch (e) {
          if (!closed) onError(e);
        }
      })();
      return Promise.resolve({
        async close() {
          closed = true;
          try {
            watcher.close();
          } catch {
            // already closed
          }
          await done;
        },
      });
    },
  };
}

function nodeFs(): FileSystem {
  const fsp = import("node:fs/promises");
  const fs = import("node:fs");
  return {
    isDirectory: async (p) => (await (await fsp).stat(p)).isDirectory(),
    isFile: async (p) => (await fsp).stat(p).then((s) => s.isFile(), () => false),
    readDir: async (p) => (await fsp).readdir(p),
    readFile: async (p) => new Uint8Array(await (await fsp).readFile(p)),
    async watch(dir, onEvent, onError) {
      const watcher = (await fs).watch(dir, () => onEvent());
      watcher.on("error", onError);
      return {
        close() {
          watcher.close();
          return Promise.resolve();
        },
      };
    },
  };
}
