// Consul KV as a source: every key under a prefix (format from each key's extension), watched
// with blocking queries (`index` + `wait`) that return when the prefix changes.
import { toBase64 } from "../internal/base64.ts";
import { ConsulClient, type ConsulClientOptions, nextIndex } from "../internal/consul/client.ts";
import { sleep } from "../internal/backoff.ts";
import { InvalidOptionError, nonNegative } from "../internal/options.ts";
import { formatOf } from "./decode.ts";
import { ConfigError } from "./errors.ts";
import { pollWatcher } from "./poll.ts";
import { sourceErrors } from "./remote.ts";
import type { KeyValue, Source, Watcher } from "./types.ts";

/**
 * Options of {@linkcode consul}. An agent that denies by default hides keys from a request
 * without a `token` as if they did not exist, so without one an empty prefix fails `load()` on
 * such an agent instead of loading nothing.
 */
export interface ConsulOptions extends ConsulClientOptions {
  /** KV prefix to read recursively, e.g. `app/cart/configs/`. */
  readonly prefix: string;
  /** Format of keys without an extension (default: such keys are an error). */
  readonly format?: string;
  /** Least time between two queries that saw no change, in ms; default 1000. */
  readonly minIntervalMs?: number;
}

interface Listing {
  kvs: KeyValue[];
  index: bigint;
  snapshot: string;
}

/** A source reading a Consul KV prefix, watched with blocking queries. */
export function consul(options: ConsulOptions): Source {
  const client = new ConsulClient(options, "consul", sourceErrors("consul"));
  if (typeof options.prefix !== "string" || options.prefix.replace(/^\/+/, "") === "") {
    throw new InvalidOptionError("consul", "prefix", "a non-empty KV path", options.prefix);
  }
  const prefix = options.prefix.replace(/^\/+/, "");
  const minIntervalMs = nonNegative("consul", "minIntervalMs", options.minIntervalMs ?? 1000);

  const list = async (index?: bigint, signal?: AbortSignal): Promise<Listing> => {
    const answer = await client.kv(prefix, index, signal);
    const entries = answer.body;
    if (entries === undefined) {
      // A default-deny agent answers an anonymous read of keys it hides exactly like an empty
      // prefix (404, no header saying so): loading an empty config would go unnoticed.
      if (index === undefined && !client.hasToken && answer.denyByDefault) {
        throw new ConfigError(
          "source",
          `consul: list ${prefix}: nothing readable, and the agent denies by default ` +
            "(X-Consul-Default-Acl-Policy: deny) while no token is set: set the token option",
          { source: "consul" },
        );
      }
      return { kvs: [], index: answer.index, snapshot: "[]" };
    }
    const kvs = entries
      .filter((e) => e.value !== null && !e.key.endsWith("/"))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((e) => toKeyValue(e.key, e.value!, prefix, options.format));
    const snapshot = JSON.stringify(
      entries.map((e) => [e.key, e.value === null ? null : toBase64(e.value)]),
    );
    return { kvs, index: answer.index, snapshot };
  };

  let loaded: Listing | undefined;
  return {
    name: "consul",
    async load() {
      loaded = await list();
      return loaded.kvs;
    },
    watch(): Promise<Watcher> {
      let index = loaded?.index ?? 0n;
      let snapshot = loaded?.snapshot;
      return Promise.resolve(pollWatcher("consul", async (signal) => {
        while (!signal.aborted) {
          const started = Date.now();
          const r = await list(index, signal);
          index = nextIndex(index, r.index);
          if (r.snapshot !== snapshot) {
            snapshot = r.snapshot;
            return r.kvs;
          }
          // A return is no guarantee of a change; never spin on quick unchanged answers.
          const rest = minIntervalMs - (Date.now() - started);
          if (rest > 0) await sleep(rest, signal).catch(() => {});
        }
        return null;
      }));
    },
  };
}

function toKeyValue(
  key: string,
  value: Uint8Array,
  prefix: string,
  fallbackFormat?: string,
): KeyValue {
  // A prefix naming one key exactly yields that key under its base name.
  const rel = key.slice(prefix.length).replace(/^\/+/, "") || key.slice(key.lastIndexOf("/") + 1);
  const format = formatOf(rel) || fallbackFormat || "";
  if (format === "") {
    throw new ConfigError(
      "format",
      `consul: cannot tell the format of key ${key}: give it an extension (.yaml, .json, .toml) or set the format option`,
      { source: "consul" },
    );
  }
  return { key: rel, value, format, origin: key };
}
