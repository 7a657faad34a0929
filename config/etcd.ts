// etcd as a source: one key or every key under a prefix, format from each key's extension,
// watched through etcd's watch stream. Any change re-reads the whole range (as Kratos does),
// which also makes deletes and multi-key transactions simple to get right.
import { toBase64 } from "../internal/base64.ts";
import { EtcdClient, type EtcdClientOptions, type KeyRange } from "../internal/etcd/client.ts";
import { RangeWatch } from "../internal/etcd/watch.ts";
import { InvalidOptionError } from "../internal/options.ts";
import { formatOf } from "./decode.ts";
import { ConfigError } from "./errors.ts";
import { pollWatcher } from "./poll.ts";
import { sourceErrors } from "./remote.ts";
import type { KeyValue, Source, Watcher } from "./types.ts";

/** Options of {@linkcode etcd}: give exactly one of `key` and `prefix`. */
export interface EtcdOptions extends EtcdClientOptions {
  /** One key to read, e.g. `/app/config.yaml`. */
  readonly key?: string;
  /** Read every key under this prefix, in key order, e.g. `/app/config/`. */
  readonly prefix?: string;
  /** Format of keys without an extension (default: such keys are an error). */
  readonly format?: string;
}

interface Listing {
  kvs: KeyValue[];
  revision: bigint;
  snapshot: string;
}

/** A source reading etcd keys through the v3 JSON gateway, watched with `/v3/watch`. */
export function etcd(options: EtcdOptions): Source {
  const client = new EtcdClient(options, "etcd", {
    timeoutMs: 10_000,
    idleTimeoutMs: 240_000,
    error: sourceErrors("etcd"),
  });
  const { key, prefix } = options;
  if ((key === undefined) === (prefix === undefined)) {
    throw new InvalidOptionError("etcd", "key or prefix", "given, exactly one of them", {
      key,
      prefix,
    });
  }
  const target = key ?? prefix;
  if (typeof target !== "string" || target === "") {
    const name = key === undefined ? "prefix" : "key";
    throw new InvalidOptionError("etcd", name, "a non-empty string", target);
  }
  const range: KeyRange = { key: target, prefix: prefix !== undefined };

  const list = async (signal?: AbortSignal): Promise<Listing> => {
    const { kvs, revision } = await client.range(range, signal);
    return {
      kvs: kvs.map((kv) => toKeyValue(kv.key, kv.value, options.format)),
      revision,
      snapshot: JSON.stringify(kvs.map((kv) => [kv.key, toBase64(kv.value)])),
    };
  };

  let loaded: Listing | undefined;
  return {
    name: "etcd",
    async load() {
      loaded = await list();
      return loaded.kvs;
    },
    watch(): Promise<Watcher> {
      const stopping = new AbortController();
      const watch = new RangeWatch(client, range, loaded?.revision ?? 0n, stopping.signal);
      let snapshot = loaded?.snapshot;
      let stale = loaded === undefined;
      // Re-reads the range; the KeyValues when they differ from the last ones seen.
      const relist = async (): Promise<KeyValue[] | undefined> => {
        const listing = await list(stopping.signal);
        // Assigned, not raised: a wiped store comes back below the revision we had.
        watch.revision = listing.revision;
        stale = false;
        if (listing.snapshot === snapshot) return undefined;
        snapshot = listing.snapshot;
        return listing.kvs;
      };
      return Promise.resolve(pollWatcher("etcd", async () => {
        for (;;) {
          const changed = stale ? await relist() : undefined;
          if (changed) return changed;
          const step = await watch.next();
          if (step.kind === "reset") stale = true;
          else {
            const changed = await relist();
            if (changed) return changed;
          }
        }
      }, () => {
        stopping.abort();
        watch.close();
        return Promise.resolve();
      }));
    },
  };
}

function toKeyValue(key: string, value: Uint8Array, fallbackFormat: string | undefined): KeyValue {
  const format = formatOf(key) || fallbackFormat || "";
  if (format === "") {
    throw new ConfigError(
      "format",
      `etcd: cannot tell the format of key ${key}: give it an extension (.yaml, .json, .toml) or set the format option`,
      { source: "etcd" },
    );
  }
  return { key, value, format, origin: key };
}
