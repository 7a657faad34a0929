// The Nacos v1 open API (served by Nacos 1.x and 2.x) under the config source and the registry
// adapter alike: one server address and namespace, and auth: a token got by logging in with
// `username`/`password`, renewed before its TTL runs out and once more when the server refuses
// it (403), or a fixed `accessToken`.
import {
  call,
  type CallOptions,
  type ErrorFactory,
  type FetchLike,
  globalFetch,
  type HttpClient,
  type HttpResult,
  json,
} from "../http.ts";
import { httpUrl, InvalidOptionError, positive } from "../options.ts";

/** How to reach Nacos: the same options for the config source and the registry adapter. */
export interface NacosClientOptions {
  /** Server address, e.g. `http://127.0.0.1:8848` (`host:port` means http). */
  readonly endpoint: string;
  /** Context path of the server; default `/nacos`. */
  readonly contextPath?: string;
  /** Namespace id; the public namespace by default. */
  readonly namespace?: string;
  /** User name, when the server has auth enabled (with `password`); logs in and renews. */
  readonly username?: string;
  /** Password for `username`. */
  readonly password?: string;
  /** A token got elsewhere (from `/v1/auth/login`), when not logging in with a user name. */
  readonly accessToken?: string;
  /** Bound on each request in ms (default 10 000 for config, 5 000 for the registry). */
  readonly timeoutMs?: number;
  /** The fetch to use (TLS clients, proxies, tests); the global fetch by default. */
  readonly fetch?: FetchLike;
}

/** Query or form parameters; undefined ones are left out. */
export type Params = Readonly<Record<string, string | number | undefined>>;

/** URL-encoded `params`, undefined ones left out. */
export function encodeParams(params: Params): URLSearchParams {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) out.set(k, String(v));
  return out;
}

/** A client of one Nacos server. */
export class NacosClient {
  /** Server address and context path, e.g. `http://127.0.0.1:8848/nacos`. */
  readonly base: string;
  /** Namespace id (`""`: the public one). */
  readonly namespace: string;
  /** How calls are made. */
  readonly http: HttpClient;
  readonly #user: { readonly username: string; readonly password: string } | undefined;
  readonly #fixedToken: string | undefined;
  #token: { value: string; expires: number } | undefined;

  /** Checks `options` (throwing `InvalidOptionError` naming `component`) and connects. */
  constructor(
    options: NacosClientOptions,
    component: string,
    defaults: { readonly timeoutMs: number; readonly error: ErrorFactory },
  ) {
    const endpoint = httpUrl(component, "endpoint", options?.endpoint);
    this.base = endpoint + (options.contextPath ?? "/nacos").replace(/\/+$/, "");
    this.namespace = options.namespace ?? "";
    if ((options.username === undefined) !== (options.password === undefined)) {
      throw new InvalidOptionError(
        component,
        options.username === undefined ? "username" : "password",
        "given with the other (username and password go together)",
        undefined,
      );
    }
    this.#user = options.username === undefined
      ? undefined
      : { username: options.username, password: options.password! };
    this.#fixedToken = options.accessToken || undefined;
    this.http = {
      fetch: options.fetch ?? globalFetch,
      timeoutMs: positive(component, "timeoutMs", options.timeoutMs ?? defaults.timeoutMs),
      error: defaults.error,
    };
  }

  async #login(signal?: AbortSignal): Promise<string | undefined> {
    if (!this.#user) return this.#fixedToken;
    if (this.#token && Date.now() < this.#token.expires) return this.#token.value;
    const what = "nacos: login";
    const result = await call(this.http, what, `${this.base}/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(this.#user),
      signal,
    });
    const body = json(this.http, result, what) as { accessToken?: unknown; tokenTtl?: unknown };
    if (typeof body?.accessToken !== "string" || body.accessToken === "") {
      throw this.http.error("bad_response", `${what}: no accessToken in the answer`, {});
    }
    const ttlSeconds = typeof body.tokenTtl === "number" ? body.tokenTtl : 18_000;
    // Renew well before the server's TTL runs out.
    this.#token = { value: body.accessToken, expires: Date.now() + ttlSeconds * 900 };
    return this.#token.value;
  }

  /**
   * Calls `path` (below the context path) with `params` in the query and the access token; a
   * 403 after logging in logs in again once and retries.
   */
  async request(
    what: string,
    path: string,
    params: Params,
    options: CallOptions = {},
  ): Promise<HttpResult> {
    for (let attempt = 0;; attempt++) {
      const query = encodeParams(params);
      const token = await this.#login(options.signal);
      if (token) query.set("accessToken", token);
      const renewable = this.#user !== undefined && attempt === 0;
      const result = await call(this.http, what, `${this.base}${path}?${query}`, {
        ...options,
        accept: renewable ? [...(options.accept ?? []), 403] : options.accept,
      });
      if (result.status !== 403 || !renewable || options.accept?.includes(403)) return result;
      this.#token = undefined;
    }
  }
}
