// etcd as a source over its v3 JSON gateway (plain fetch, so it runs on every runtime): one key
// or every key under a prefix, format from each key's extension, watched through the
// streaming /v3/watch with resumption from the last revision.
import { base64Decode as base64ToBytes, base64Encode } from "@bufbuild/protobuf/wire";

const bytesToBase64 = (bytes: Uint8Array) => base64Encode(bytes, "std");
import { formatOf } from "./decode.ts";
import { ConfigError, toConfigError } from "./errors.ts";
import { type FetchFn, fetchWithDeadline, httpError, normaliseEndpoint } from "./http.ts";
import { IdleTimeoutError, readNdjson } from "../internal/ndjson.ts";
import { pollWatcher } from "./poll.ts";
import type { KeyValue, Source, Watcher } from "./types.ts";

/** Options of {@linkcode etcd}: give exactly one of `key` and `prefix`. */
export interface EtcdOptions {
  /** Client URL of an etcd member, e.g. `http://127.0.0.1:2379`. */
  readonly endpoint: string;
  /** One key to read, e.g. `/app/config.yaml`. */
  readonly key?: string;
  /** Read every key under this prefix, in key order, e.g. `/app/config/`. */
  readonly prefix?: string;
  /** Format of keys without an extension (default: such keys are an error). */
  readonly format?: string;
  /** Extra request headers, e.g. `{ authorization: token }` when etcd auth is on. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The fetch to use (TLS clients, tests); defaults to the global fetch. */
  readonly fetch?: FetchFn;
  /** Deadline of each range request in ms; default 10000. */
  readonly requestTimeoutMs?: number;
  /**
   * Reconnect a watch that has been silent this long, in ms; default 240000 (under Node's
   * 300 s idle-body limit; etcd sends nothing on an idle watch).
   */
  readonly idleTimeoutMs?: number;
}

interface RawKv {
  key: string;
  value?: string;
}

interface RangeResult {
  kvs: KeyValue[];
  revision: bigint;
}

/** A source reading etcd keys through the v3 JSON gateway, watched with `/v3/watch`. */
export function etcd(options: EtcdOptions): Source {
  const endpoint = normaliseEndpoint("etcd", options?.endpoint);
  const { key, prefix } = options;
  if ((key === undefined) === (prefix === undefined)) {
    throw new ConfigError("usage", "etcd: give exactly one of key or prefix", { source: "etcd" });
  }
  const target = (key ?? prefix) as string;
  if (typeof target !== "string" || target === "") {
    throw new ConfigError("usage", "etcd: key or prefix must be a non-empty string", {
      source: "etcd",
    });
  }
  const fetchFn: FetchFn = options.fetch ?? ((input, init) => fetch(input, init));
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 240_000;
  const keyBytes = new TextEncoder().encode(target);
  const selector: Record<string, string> = { key: bytesToBase64(keyBytes) };
  if (prefix !== undefined) selector.range_end = bytesToBase64(prefixEnd(keyBytes));
  const headers = { "content-type": "application/json", ...options.headers };
  let lastRevision: bigint | undefined;
  let lastSnapshot: string | undefined;

  const range = async (signal?: AbortSignal): Promise<RangeResult> => {
    let answer: { response: Response; text: string };
    try {
      answer = await fetchWithDeadline(
        fetchFn,
        `${endpoint}/v3/kv/range`,
        { method: "POST", headers, body: JSON.stringify(selector) },
        requestTimeoutMs,
        signal,
      );
    } catch (e) {
      throw toConfigError(e, "source", `etcd: range ${target} at ${endpoint}`, "etcd");
    }
    const { response, text } = answer;
    if (!response.ok) throw httpError("etcd", `range ${target}`, response.status, text);
    const body = parseJson(text, `range ${target}`) as {
      header?: { revision?: string };
      kvs?: RawKv[];
    };
    const kvs = (body.kvs ?? []).map((kv) => toKeyValue(kv, options.format));
    return { kvs, revision: BigInt(body.header?.revision ?? "0") };
  };

  return {
    name: "etcd",
    async load() {
      const r = await range();
      lastRevision = r.revision;
      lastSnapshot = snapshotOf(r.kvs);
      return r.kvs;
    },
    watch(): Promise<Watcher> {
      const w = new EtcdWatch(
        { endpoint, target, selector, headers, fetchFn, idleTimeoutMs, requestTimeoutMs },
        range,
        lastRevision,
        lastSnapshot,
      );
      return Promise.resolve(pollWatcher((signal) => w.step(signal), () => w.close()));
    },
  };
}

interface WatchSettings {
  endpoint: string;
  target: string;
  selector: Record<string, string>;
  headers: Record<string, string>;
  fetchFn: FetchFn;
  idleTimeoutMs: number;
  requestTimeoutMs: number;
}

interface WatchMessage {
  result?: {
    header?: { revision?: string };
    created?: boolean;
    canceled?: boolean;
    compact_revision?: string;
    cancel_reason?: string;
    events?: unknown[];
  };
  error?: { message?: string };
}

// One watch stream at a time. Any event triggers a re-read of the whole key range (as Kratos
// does), which also makes deletes and multi-key transactions simple to get right.
class EtcdWatch {
  readonly #s: WatchSettings;
  readonly #range: (signal?: AbortSignal) => Promise<RangeResult>;
  readonly #stopping = new AbortController();
  #revision: bigint | undefined;
  #stream:
    | { messages: AsyncIterator<unknown>; abort: AbortController; onStop: () => void }
    | undefined;
  #snapshot: string | undefined;

  constructor(
    s: WatchSettings,
    range: (signal?: AbortSignal) => Promise<RangeResult>,
    revision: bigint | undefined,
    snapshot: string | undefined,
  ) {
    this.#s = s;
    this.#range = range;
    this.#revision = revision;
    this.#snapshot = snapshot;
  }

  /** Closes the current stream. */
  close(): Promise<void> {
    this.#stopping.abort();
    this.#drop();
    return Promise.resolve();
  }

  /** Follows the stream until the range changed; resumes or re-lists as needed. */
  async step(signal: AbortSignal): Promise<KeyValue[] | null> {
    while (!signal.aborted && !this.#stopping.signal.aborted) {
      if (this.#revision === undefined) {
        const changed = await this.#relist();
        if (changed) return changed;
      }
      if (!this.#stream) await this.#connect();
      const stream = this.#stream!;
      let next: IteratorResult<unknown>;
      try {
        next = await stream.messages.next();
      } catch (e) {
        this.#drop();
        if (signal.aborted || this.#stopping.signal.aborted) return null;
        // Idle means the connection may be silently dead: resume on a new stream.
        if (e instanceof IdleTimeoutError) continue;
        throw toConfigError(e, "source", `etcd: watch ${this.#s.target} broke`, "etcd");
      }
      if (next.done === true) {
        // A clean end means the server went away (or restarts): resume from the next revision
        // on a new stream.
        this.#drop();
        continue;
      }
      const msg = next.value;
      const m = msg as WatchMessage;
      if (m.error) {
        this.#drop();
        throw new ConfigError("source", `etcd: watch ${this.#s.target}: ${m.error.message}`, {
          source: "etcd",
        });
      }
      const r = m.result ?? {};
      if (r.canceled) {
        this.#drop();
        if (r.compact_revision !== undefined) {
          // The revision to resume from was compacted away: events are lost, so list again.
          this.#revision = undefined;
          continue;
        }
        throw new ConfigError(
          "source",
          `etcd: watch ${this.#s.target} canceled: ${r.cancel_reason ?? "no reason given"}`,
          { source: "etcd" },
        );
      }
      if (r.events && r.events.length > 0) {
        const rev = BigInt(r.header?.revision ?? "0");
        if (this.#revision === undefined || rev > this.#revision) this.#revision = rev;
        const changed = await this.#relist();
        if (changed) return changed;
      }
    }
    return null;
  }

  /** Re-reads the range; returns the KeyValues when they differ from the last ones seen. */
  async #relist(): Promise<KeyValue[] | undefined> {
    const r = await this.#range(this.#stopping.signal);
    if (this.#revision === undefined || r.revision > this.#revision) this.#revision = r.revision;
    const snapshot = snapshotOf(r.kvs);
    if (snapshot === this.#snapshot) return undefined;
    this.#snapshot = snapshot;
    return r.kvs;
  }

  async #connect() {
    const abort = new AbortController();
    const onStop = () => abort.abort();
    this.#stopping.signal.addEventListener("abort", onStop, { once: true });
    const body = {
      create_request: {
        ...this.#s.selector,
        start_revision: ((this.#revision ?? 0n) + 1n).toString(),
        progress_notify: true,
      },
    };
    const timer = setTimeout(() => abort.abort(), this.#s.requestTimeoutMs);
    let response: Response;
    try {
      response = await this.#s.fetchFn(`${this.#s.endpoint}/v3/watch`, {
        method: "POST",
        headers: this.#s.headers,
        body: JSON.stringify(body),
        signal: abort.signal,
      });
    } catch (e) {
      this.#stopping.signal.removeEventListener("abort", onStop);
      throw toConfigError(
        e,
        "source",
        `etcd: watch ${this.#s.target} at ${this.#s.endpoint}`,
        "etcd",
      );
    } finally {
      clearTimeout(timer);
    }
    if (!response.ok || !response.body) {
      const text = await response.text().catch(() => "");
      this.#stopping.signal.removeEventListener("abort", onStop);
      throw httpError("etcd", `watch ${this.#s.target}`, response.status, text);
    }
    const messages = readNdjson(response.body, {
      idleMs: this.#s.idleTimeoutMs,
      signal: abort.signal,
    })[Symbol.asyncIterator]();
    this.#stream = { messages, abort, onStop };
  }

  #drop() {
    const stream = this.#stream;
    this.#stream = undefined;
    if (stream) {
      this.#stopping.signal.removeEventListener("abort", stream.onStop);
      // Aborting settles a pending read; the reader's own cleanup then releases the body.
      stream.abort.abort();
      void stream.messages.return?.().catch(() => {});
    }
  }
}

function snapshotOf(kvs: KeyValue[]): string {
  return JSON.stringify(kvs.map((kv) => [kv.key, bytesToBase64(kv.value as Uint8Array)]));
}

function toKeyValue(kv: RawKv, fallbackFormat: string | undefined): KeyValue {
  const key = new TextDecoder().decode(base64ToBytes(kv.key));
  const format = formatOf(key) || fallbackFormat || "";
  if (format === "") {
    throw new ConfigError(
      "format",
      `etcd: cannot tell the format of key ${key}: give it an extension (.yaml, .json, .toml) or set the format option`,
      { source: "etcd" },
    );
  }
  return { key, value: base64ToBytes(kv.value ?? ""), format, origin: key };
}

/** The range_end that selects every key starting with `prefix`. */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  const end = prefix.slice();
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.slice(0, i + 1);
    }
  }
  return new Uint8Array([0]);
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ConfigError(
      "source",
      `etcd: ${what}: the answer is not JSON: ${text.slice(0, 100)}`,
      {
        source: "etcd",
      },
    );
  }
}
