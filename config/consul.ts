// Consul KV as a source: every key under a prefix (format from each key's extension), watched
// with blocking queries (`index` + `wait`) that return when the prefix changes.
import { base64Decode as base64ToBytes } from "@bufbuild/protobuf/wire";
import { formatOf } from "./decode.ts";
import { ConfigError, toConfigError } from "./errors.ts";
import { type FetchFn, fetchWithDeadline, httpError, normaliseEndpoint } from "./http.ts";
import { sleep } from "../internal/backoff.ts";
import { pollWatcher } from "./poll.ts";
import type { KeyValue, Source, Watcher } from "./types.ts";

/** Options of {@linkcode consul}. */
export interface ConsulOptions {
  /** HTTP address of a Consul agent, e.g. `http://127.0.0.1:8500`. */
  readonly endpoint: string;
  /** KV prefix to read recursively, e.g. `app/cart/configs/`. */
  readonly prefix: string;
  /**
   * ACL token, sent as `X-Consul-Token`. An agent that denies by default hides keys from a
   * request without one as if they did not exist, so without a token an empty prefix fails
   * `load()` on such an agent instead of loading nothing.
   */
  readonly token?: string;
  /** Datacenter to query (`dc`); the agent's own by default. */
  readonly datacenter?: string;
  /** Format of keys without an extension (default: such keys are an error). */
  readonly format?: string;
  /** How long a blocking query may wait for a change, in ms; default 55000. */
  readonly waitMs?: number;
  /** Least time between two queries that saw no change, in ms; default 1000. */
  readonly minIntervalMs?: number;
  /** Deadline of a non-blocking request in ms; default 10000. */
  readonly requestTimeoutMs?: number;
  /** The fetch to use (TLS clients, tests); defaults to the global fetch. */
  readonly fetch?: FetchFn;
}

interface ConsulEntry {
  Key: string;
  Value: string | null;
}

interface Listing {
  kvs: KeyValue[];
  index: number;
  snapshot: string;
}

/** A source reading a Consul KV prefix, watched with blocking queries. */
export function consul(options: ConsulOptions): Source {
  const endpoint = normaliseEndpoint("consul", options?.endpoint);
  if (typeof options.prefix !== "string" || options.prefix.replace(/^\/+/, "") === "") {
    throw new ConfigError("usage", "consul: prefix must be a non-empty KV path", {
      source: "consul",
    });
  }
  const prefix = options.prefix.replace(/^\/+/, "");
  const fetchFn: FetchFn = options.fetch ?? ((input, init) => fetch(input, init));
  const waitMs = options.waitMs ?? 55_000;
  const minIntervalMs = options.minIntervalMs ?? 1000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const headers: Record<string, string> = {};
  if (options.token) headers["x-consul-token"] = options.token;
  const path = prefix.split("/").map(encodeURIComponent).join("/");

  const list = async (index: number, signal?: AbortSignal): Promise<Listing> => {
    const query = new URLSearchParams({ recurse: "true" });
    if (options.datacenter) query.set("dc", options.datacenter);
    let timeout = requestTimeoutMs;
    if (index > 0) {
      query.set("index", String(index));
      query.set("wait", `${waitMs}ms`);
      // Consul adds up to wait/16 of jitter before answering.
      timeout += waitMs + Math.ceil(waitMs / 16);
    }
    const url = `${endpoint}/v1/kv/${path}?${query}`;
    let answer: { response: Response; text: string };
    try {
      answer = await fetchWithDeadline(fetchFn, url, { headers }, timeout, signal);
    } catch (e) {
      throw toConfigError(e, "source", `consul: list ${prefix} at ${endpoint}`, "consul");
    }
    const { response, text } = answer;
    const next = Number(response.headers.get("x-consul-index") ?? "0");
    if (response.status === 404) {
      // A default-deny agent answers an anonymous read of keys it hides exactly like an empty
      // prefix (404, no header saying so): loading an empty config would go unnoticed.
      if (index === 0 && !options.token && denyByDefault(response)) {
        throw new ConfigError(
          "source",
          `consul: list ${prefix}: nothing readable, and the agent denies by default ` +
            "(X-Consul-Default-Acl-Policy: deny) while no token is set: set the token option",
          { source: "consul" },
        );
      }
      return { kvs: [], index: next, snapshot: "[]" };
    }
    if (!response.ok) throw httpError("consul", `list ${prefix}`, response.status, text);
    let entries: ConsulEntry[];
    try {
      entries = JSON.parse(text);
    } catch {
      throw new ConfigError("source", `consul: list ${prefix}: the answer is not JSON`, {
        source: "consul",
      });
    }
    const kvs = entries
      .filter((e) => e.Value !== null && !e.Key.endsWith("/"))
      .sort((a, b) => (a.Key < b.Key ? -1 : a.Key > b.Key ? 1 : 0))
      .map((e) => toKeyValue(e, prefix, options.format));
    const snapshot = JSON.stringify(entries.map((e) => [e.Key, e.Value]));
    return { kvs, index: Number.isFinite(next) ? next : 0, snapshot };
  };

  let loaded: Listing | undefined;
  return {
    name: "consul",
    async load() {
      loaded = await list(0);
      return loaded.kvs;
    },
    watch(): Promise<Watcher> {
      let index = loaded?.index ?? 0;
      let snapshot = loaded?.snapshot;
      return Promise.resolve(pollWatcher(async (signal) => {
        while (!signal.aborted) {
          const started = Date.now();
          const r = await list(Math.max(index, 1), signal);
          // An index that goes backwards (agent restore, leader change) restarts blocking.
          index = r.index < index ? 0 : r.index;
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

function denyByDefault(response: Response): boolean {
  return response.headers.get("x-consul-default-acl-policy")?.toLowerCase() === "deny";
}

function toKeyValue(e: ConsulEntry, prefix: string, fallbackFormat?: string): KeyValue {
  // A prefix naming one key exactly yields that key under its base name.
  const rel = e.Key.slice(prefix.length).replace(/^\/+/, "") ||
    e.Key.slice(e.Key.lastIndexOf("/") + 1);
  const format = formatOf(rel) || fallbackFormat || "";
  if (format === "") {
    throw new ConfigError(
      "format",
      `consul: cannot tell the format of key ${e.Key}: give it an extension (.yaml, .json, .toml) or set the format option`,
      { source: "consul" },
    );
  }
  return { key: rel, value: base64ToBytes(e.Value ?? ""), format, origin: e.Key };
}
