// etcd's v3 JSON gateway over plain fetch (no gRPC, so it runs on Workers too), for the config
// source and the registry adapter alike. Facts that shape this file, measured on etcd 3.4 and
// 3.6: every call is a POST; keys and values are base64; int64s (revisions, lease ids) come back
// as JSON strings and lease ids exceed 2^53, so they stay strings; zero values are omitted (a
// keepalive answer without TTL means the lease is gone).
import { fromBase64, toBase64 } from "../base64.ts";
import {
  call,
  type ErrorFactory,
  type FetchLike,
  globalFetch,
  type HttpClient,
  json,
  openStream,
} from "../http.ts";
import { IdleTimeoutError, readNdjson } from "../ndjson.ts";
import { httpUrl, positive } from "../options.ts";
import { parseWatchMessage, type WatchMessage } from "./message.ts";

/** How to reach etcd: the same options for the config source and the registry adapter. */
export interface EtcdClientOptions {
  /** Client URL of an etcd member, e.g. `http://127.0.0.1:2379` (`host:port` means http). */
  readonly endpoint: string;
  /** Headers sent with every request, e.g. `{ authorization: token }` when etcd auth is on. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The fetch to use (TLS clients, proxies, tests); the global fetch by default. */
  readonly fetch?: FetchLike;
  /** Bound on each request in ms (default 10 000 for config, 3 000 for the registry). */
  readonly timeoutMs?: number;
  /**
   * A watch stream silent this long is reopened, in ms (default 240 000 for config, 120 000 for
   * the registry): etcd sends nothing on an idle watch, and Node cuts bodies idle for 300 s.
   */
  readonly idleTimeoutMs?: number;
}

/** Package defaults and error type of one client. */
export interface EtcdClientDefaults {
  /** Default of `timeoutMs`. */
  readonly timeoutMs: number;
  /** Default of `idleTimeoutMs`. */
  readonly idleTimeoutMs: number;
  /** Builds the errors of failed calls. */
  readonly error: ErrorFactory;
}

/** One key-value pair as read from etcd. */
export interface EtcdKeyValue {
  /** Key (UTF-8). */
  readonly key: string;
  /** Value bytes. */
  readonly value: Uint8Array;
  /** Revision of the last change to the key. */
  readonly modRevision: bigint;
}

/** The keys a range or watch covers: one key, or every key starting with `key`. */
export interface KeyRange {
  /** The key, or the prefix. */
  readonly key: string;
  /** Cover every key starting with `key`. */
  readonly prefix?: boolean;
}

/** The `range_end` that makes a range cover every key starting with `prefix`. */
export function prefixEnd(prefix: string | Uint8Array): Uint8Array {
  const bytes = typeof prefix === "string" ? new TextEncoder().encode(prefix) : prefix;
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i] < 0xff) {
      const end = bytes.slice(0, i + 1);
      end[i]++;
      return end;
    }
  }
  // All 0xff (or empty): to the end of the keyspace.
  return new Uint8Array([0]);
}

const decoder = new TextDecoder();

/** A client of one etcd member's gateway. */
export class EtcdClient {
  /** The member's base URL. */
  readonly endpoint: string;
  /** The reopen bound of idle watch streams, in ms. */
  readonly idleTimeoutMs: number;
  /** How calls are made. */
  readonly http: HttpClient;

  /** Checks `options` (throwing `InvalidOptionError` naming `component`) and connects. */
  constructor(options: EtcdClientOptions, component: string, defaults: EtcdClientDefaults) {
    this.endpoint = httpUrl(component, "endpoint", options?.endpoint);
    this.idleTimeoutMs = positive(
      component,
      "idleTimeoutMs",
      options.idleTimeoutMs ?? defaults.idleTimeoutMs,
    );
    this.http = {
      fetch: options.fetch ?? globalFetch,
      timeoutMs: positive(component, "timeoutMs", options.timeoutMs ?? defaults.timeoutMs),
      headers: { "content-type": "application/json", ...options.headers },
      error: defaults.error,
    };
  }

  async #post(
    what: string,
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
    accept?: readonly number[],
    streamed = false,
  ): Promise<Record<string, unknown>> {
    const result = await call(this.http, what, `${this.endpoint}/v3${path}`, {
      method: "POST",
      body: JSON.stringify(body),
      signal,
      accept,
    });
    if (result.status !== 200) return {};
    // A streamed answer (keepalive) is newline-framed; its first line is the whole answer.
    const parsed = json(
      this.http,
      streamed ? { ...result, text: result.text.split("\n", 1)[0] } : result,
      what,
    );
    if (parsed === null || typeof parsed !== "object") {
      throw this.http.error("bad_response", `${what}: expected a JSON object`, {});
    }
    return parsed as Record<string, unknown>;
  }

  /** The `key`/`range_end` pair of a range. */
  selector(range: KeyRange): Record<string, string> {
    const key = toBase64(range.key);
    return range.prefix ? { key, range_end: toBase64(prefixEnd(range.key)) } : { key };
  }

  /** The keys in `range` and the store revision they were read at (values left out: empty). */
  async range(
    range: KeyRange,
    signal?: AbortSignal,
    keysOnly = false,
  ): Promise<{ revision: bigint; kvs: EtcdKeyValue[] }> {
    const what = `etcd: range ${range.key}`;
    const body = { ...this.selector(range), ...(keysOnly ? { keys_only: true } : {}) };
    const answer = await this.#post(what, "/kv/range", body, signal);
    const kvs = Array.isArray(answer.kvs) ? answer.kvs.map((kv) => this.keyValue(kv, what)) : [];
    return { revision: this.revision(answer.header, what), kvs };
  }

  /** Writes `key` = `value`, attached to `lease` when given. */
  async put(key: string, value: string, lease?: string, signal?: AbortSignal): Promise<void> {
    const body = { key: toBase64(key), value: toBase64(value), ...(lease ? { lease } : {}) };
    await this.#post(`etcd: put ${key}`, "/kv/put", body, signal);
  }

  /** Deletes one key. */
  async delete(key: string, signal?: AbortSignal): Promise<void> {
    await this.#post(`etcd: delete ${key}`, "/kv/deleterange", { key: toBase64(key) }, signal);
  }

  /** Grants a lease of `ttlSeconds` and returns its id. */
  async grant(ttlSeconds: number, signal?: AbortSignal): Promise<string> {
    const what = "etcd: lease grant";
    const answer = await this.#post(what, "/lease/grant", { TTL: String(ttlSeconds) }, signal);
    if (typeof answer.ID !== "string" || answer.ID === "") {
      throw this.http.error("bad_response", `${what}: answer has no lease ID`, {});
    }
    return answer.ID;
  }

  /** Refreshes a lease; returns its remaining TTL in seconds, 0 when the lease is gone. */
  async keepAlive(lease: string, signal?: AbortSignal): Promise<number> {
    const what = "etcd: lease keepalive";
    const answer = await this.#post(what, "/lease/keepalive", { ID: lease }, signal, [404], true);
    const result = answer.result as Record<string, unknown> | undefined;
    const ttl = Number(result?.TTL ?? 0);
    return Number.isFinite(ttl) && ttl > 0 ? ttl : 0;
  }

  /** Revokes a lease (deleting its keys); an unknown lease is not an error. */
  async revoke(lease: string, signal?: AbortSignal): Promise<void> {
    await this.#post("etcd: lease revoke", "/lease/revoke", { ID: lease }, signal, [404]);
  }

  /**
   * The messages of one watch stream on `range` from `startRevision`, until the stream ends
   * (the server went away), stays idle past `idleTimeoutMs` (`IdleTimeoutError`), or `signal`
   * aborts.
   */
  async *watch(
    range: KeyRange,
    startRevision: bigint,
    signal: AbortSignal,
  ): AsyncGenerator<WatchMessage, void, void> {
    const what = `etcd: watch ${range.key}`;
    const request = {
      create_request: {
        ...this.selector(range),
        start_revision: String(startRevision),
        progress_notify: true,
      },
    };
    const stream = await openStream(this.http, what, `${this.endpoint}/v3/watch`, {
      body: JSON.stringify(request),
      signal,
    });
    const lines = readNdjson(stream.body, { idleMs: this.idleTimeoutMs, signal });
    try {
      for (;;) {
        let line: IteratorResult<unknown>;
        try {
          line = await lines.next();
        } catch (error) {
          if (error instanceof IdleTimeoutError || signal.aborted) throw error;
          const detail = error instanceof Error ? error.message : String(error);
          throw this.http.error("unavailable", `${what}: the stream broke: ${detail}`, {
            cause: error,
          });
        }
        if (line.done) return;
        yield parseWatchMessage(line.value, this, what);
      }
    } finally {
      stream.abort();
      await lines.return().catch(() => {});
    }
  }

  /** A revision from a response header (`{ revision }`); malformed is a `bad_response`. */
  revision(header: unknown, what: string): bigint {
    const raw = (header as Record<string, unknown> | undefined)?.revision;
    try {
      return BigInt(typeof raw === "string" || typeof raw === "number" ? raw : 0);
    } catch {
      throw this.http.error(
        "bad_response",
        `${what}: malformed revision ${JSON.stringify(raw)}`,
        {},
      );
    }
  }

  /** A key-value pair of a response; malformed is a `bad_response`. */
  keyValue(raw: unknown, what: string): EtcdKeyValue {
    const kv = raw as Record<string, unknown>;
    if (kv === null || typeof kv !== "object" || typeof kv.key !== "string") {
      throw this.http.error("bad_response", `${what}: key-value without a key`, {});
    }
    let key: string;
    let value: Uint8Array;
    try {
      key = decoder.decode(fromBase64(kv.key));
      value = typeof kv.value === "string" ? fromBase64(kv.value) : new Uint8Array();
    } catch (error) {
      throw this.http.error("bad_response", `${what}: key-value is not valid base64`, {
        cause: error,
      });
    }
    return { key, value, modRevision: this.revision({ revision: kv.mod_revision }, what) };
  }
}
