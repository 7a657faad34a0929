// A Nacos config (one dataId in a group and namespace) as a source: read the content, then
// long-poll the listener with its MD5 and read again when the server says it changed.
// From the files, not internal/nacos/mod.ts, which also holds the registry's naming calls.
import { NacosClient, type NacosClientOptions } from "../internal/nacos/client.ts";
import { type ConfigKey, getConfig, listenConfig } from "../internal/nacos/configs.ts";
import { InvalidOptionError, positive } from "../internal/options.ts";
import { formatOf } from "./decode.ts";
import { ConfigError } from "./errors.ts";
import { pollWatcher } from "./poll.ts";
import { sourceErrors } from "./remote.ts";
import type { KeyValue, Source, Watcher } from "./types.ts";

/** Options of {@linkcode nacos}. */
export interface NacosOptions extends NacosClientOptions {
  /** The config's data id, e.g. `helloworld.yaml` (its extension gives the format). */
  readonly dataId: string;
  /** The config's group; default `DEFAULT_GROUP`. */
  readonly group?: string;
  /** Format when the data id has no extension. */
  readonly format?: string;
  /** How long the server may hold a listener request, in ms; default 30000. */
  readonly longPollTimeoutMs?: number;
}

/** A source reading one Nacos config, watched with the long-polling listener. */
export function nacos(options: NacosOptions): Source {
  const client = new NacosClient(options, "nacos", {
    timeoutMs: 10_000,
    error: sourceErrors("nacos"),
  });
  const key: ConfigKey = { dataId: options.dataId, group: options.group ?? "DEFAULT_GROUP" };
  for (const [name, v] of Object.entries(key)) {
    if (typeof v !== "string" || v === "" || v.includes("\x01") || v.includes("\x02")) {
      throw new InvalidOptionError("nacos", name, "a non-empty string without \\x01 or \\x02", v);
    }
  }
  const format = formatOf(key.dataId) || options.format || "";
  if (format === "") {
    throw new InvalidOptionError(
      "nacos",
      "format",
      `set, since data id ${JSON.stringify(key.dataId)} has no extension (.yaml, .json, .toml)`,
      options.format,
    );
  }
  const longPollMs = positive("nacos", "longPollTimeoutMs", options.longPollTimeoutMs ?? 30_000);
  const tenant = client.namespace;
  const where = `${key.dataId} (group ${key.group}${tenant ? `, namespace ${tenant}` : ""})`;

  const toKvs = (content: string | undefined): KeyValue[] =>
    content === undefined ? [] : [{ key: key.dataId, value: content, format, origin: where }];

  let loaded: string | undefined;
  return {
    name: "nacos",
    async load() {
      const content = await getConfig(client, key, where);
      if (content === undefined) {
        throw new ConfigError("source", `nacos: config ${where} does not exist`, {
          source: "nacos",
        });
      }
      loaded = content;
      return toKvs(content);
    },
    watch(): Promise<Watcher> {
      let current = loaded;
      return Promise.resolve(pollWatcher("nacos", async (signal) => {
        while (!signal.aborted) {
          if (!(await listenConfig(client, key, current, longPollMs, where, signal))) continue;
          const content = await getConfig(client, key, where, signal);
          if (content !== current) {
            current = content;
            return toKvs(content);
          }
        }
        return null;
      }));
    },
  };
}
