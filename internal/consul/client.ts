// A Consul agent's HTTP API, for the KV config source and the registry adapter alike: reads
// and blocking queries (`index` + `wait`), agent service registration and TTL checks.
import { fromBase64 } from "../base64.ts";
import {
  call,
  type ErrorFactory,
  type FetchLike,
  globalFetch,
  type HttpClient,
  type HttpResult,
  json,
} from "../http.ts";
import { httpUrl, positive } from "../options.ts";

/** How to reach Consul: the same options for the config source and the registry adapter. */
export interface ConsulClientOptions {
  /** HTTP address of a Consul agent, e.g. `http://127.0.0.1:8500` (`host:port` means http). */
  readonly endpoint: string;
  /** ACL token, sent as `X-Consul-Token`. */
  readonly token?: string;
  /** Datacenter to query (`dc`); the agent's own by default. */
  readonly datacenter?: string;
  /** How long a blocking query may wait for a change, in ms (default 55 000, like Kratos). */
  readonly waitMs?: number;
  /** Bound on a non-blocking request in ms (default 10 000). */
  readonly timeoutMs?: number;
  /** The fetch to use (TLS clients, proxies, tests); the global fetch by default. */
  readonly fetch?: FetchLike;
}

/** One KV entry; `value` is null for folder entries. */
export interface ConsulKvEntry {
  /** The full key. */
  readonly key: string;
  /** The value bytes, null for a folder. */
  readonly value: Uint8Array | null;
}

/** A read, blocking or not, and the index to block on next. */
export interface ConsulAnswer<T> {
  /** What was read. */
  readonly body: T;
  /** `X-Consul-Index` (0 when absent or malformed). */
  readonly index: bigint;
}

/**
 * The index to block on after `previous` when the agent answered `answered`: an index that went
 * backwards (a restore, a restarted agent) starts over, as Consul's docs on blocking queries say.
 */
export function nextIndex(previous: bigint, answered: bigint): bigint {
  return answered < previous ? 0n : answered;
}

/** A client of one Consul agent. */
export class ConsulClient {
  /** The agent's base URL. */
  readonly endpoint: string;
  /** The blocking-query wait, in ms. */
  readonly waitMs: number;
  /** How calls are made. */
  readonly http: HttpClient;
  /** Whether a token is sent. */
  readonly hasToken: boolean;
  readonly #dc: string | undefined;

  /** Checks `options` (throwing `InvalidOptionError` naming `component`) and connects. */
  constructor(options: ConsulClientOptions, component: string, error: ErrorFactory) {
    this.endpoint = httpUrl(component, "endpoint", options?.endpoint);
    this.waitMs = positive(component, "waitMs", options.waitMs ?? 55_000);
    this.hasToken = Boolean(options.token);
    this.#dc = options.datacenter || undefined;
    this.http = {
      fetch: options.fetch ?? globalFetch,
      timeoutMs: positive(component, "timeoutMs", options.timeoutMs ?? 10_000),
      headers: options.token ? { "x-consul-token": options.token } : {},
      error,
    };
  }

  // A read; with `index`, a blocking query that returns once the index passes it (or after
  // the wait, plus the up to wait/16 of jitter Consul adds).
  async #read(
    what: string,
    path: string,
    query: Record<string, string>,
    index: bigint | undefined,
    signal?: AbortSignal,
    accept?: readonly number[],
  ): Promise<HttpResult & { index: bigint }> {
    const params = new URLSearchParams(query);
    if (this.#dc) params.set("dc", this.#dc);
    let timeoutMs = this.http.timeoutMs;
    if (index !== undefined) {
      // An index of 0 would not block: Consul's docs say to use 1 then.
      params.set("index", String(index > 0n ? index : 1n));
      params.set("wait", `${this.waitMs}ms`);
      timeoutMs += this.waitMs + Math.ceil(this.waitMs / 16);
    }
    const result = await call(this.http, what, `${this.endpoint}${path}?${params}`, {
      signal,
      timeoutMs,
      accept,
    });
    const header = result.headers.get("x-consul-index") ?? "";
    return { ...result, index: /^\d+$/.test(header) ? BigInt(header) : 0n };
  }

  /**
   * Every KV entry under `prefix` (`undefined` when the agent answers 404: no such keys, or keys
   * an ACL hides), blocking on `index` when given.
   */
  async kv(
    prefix: string,
    index?: bigint,
    signal?: AbortSignal,
  ): Promise<ConsulAnswer<ConsulKvEntry[] | undefined> & { denyByDefault: boolean }> {
    const what = `consul: list ${prefix}`;
    const path = `/v1/kv/${prefix.split("/").map(encodeURIComponent).join("/")}`;
    const result = await this.#read(what, path, { recurse: "true" }, index, signal, [404]);
    const denyByDefault =
      result.headers.get("x-consul-default-acl-policy")?.toLowerCase() === "deny";
    if (result.status === 404) return { body: undefined, index: result.index, denyByDefault };
    const body = json(this.http, result, what);
    if (!Array.isArray(body)) {
      throw this.http.error("bad_response", `${what}: expected a JSON array`, {});
    }
    const entries = body.map((raw: Record<string, unknown>) => {
      if (typeof raw?.Key !== "string") {
        throw this.http.error("bad_response", `${what}: an entry without a Key`, {});
      }
      try {
        return {
          key: raw.Key,
          value: typeof raw.Value === "string" ? fromBase64(raw.Value) : null,
        };
      } catch (cause) {
        throw this.http.error("bad_response", `${what}: ${raw.Key} is not valid base64`, { cause });
      }
    });
    return { body: entries, index: result.index, denyByDefault };
  }

  /** The passing `/v1/health/service` entries of `service`, blocking on `index` when given. */
  async health(
    service: string,
    index?: bigint,
    signal?: AbortSignal,
  ): Promise<ConsulAnswer<unknown[]>> {
    const what = `consul: health ${service}`;
    const path = `/v1/health/service/${encodeURIComponent(service)}`;
    const result = await this.#read(what, path, { passing: "1" }, index, signal);
    const body = json(this.http, result, what);
    if (!Array.isArray(body)) {
      throw this.http.error("bad_response", `${what}: expected a JSON array`, {});
    }
    return { body, index: result.index };
  }

  /** The names of every service in the catalog, the agent's own `consul` service left out. */
  async services(signal?: AbortSignal): Promise<string[]> {
    const what = "consul: catalog services";
    const result = await this.#read(what, "/v1/catalog/services", {}, undefined, signal);
    const body = json(this.http, result, what);
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      throw this.http.error("bad_response", `${what}: expected a JSON object`, {});
    }
    return Object.keys(body).filter((name) => name !== "consul");
  }

  /** Registers a service with the agent (`body` is an AgentServiceRegistration). */
  async register(body: string, signal?: AbortSignal): Promise<void> {
    await call(this.http, "consul: register", `${this.endpoint}/v1/agent/service/register`, {
      method: "PUT",
      body,
      headers: { "content-type": "application/json" },
      signal,
    });
  }

  /** Marks a TTL check passing; false when the agent does not know the check. */
  async pass(checkId: string, signal?: AbortSignal): Promise<boolean> {
    const check = encodeURIComponent(checkId);
    const result = await call(
      this.http,
      "consul: check update",
      `${this.endpoint}/v1/agent/check/update/${check}`,
      {
        method: "PUT",
        body: JSON.stringify({ Status: "passing", Output: "pass" }),
        headers: { "content-type": "application/json" },
        signal,
        accept: [404],
      },
    );
    return result.status !== 404;
  }

  /** Deregisters a service from the agent; an unknown id is not an error. */
  async deregister(serviceId: string, signal?: AbortSignal): Promise<void> {
    const id = encodeURIComponent(serviceId);
    await call(
      this.http,
      "consul: deregister",
      `${this.endpoint}/v1/agent/service/deregister/${id}`,
      {
        method: "PUT",
        signal,
        accept: [404],
      },
    );
  }
}
