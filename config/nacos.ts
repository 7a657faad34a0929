// A Nacos config (one dataId in a group and namespace) as a source, over the v1 Open API that
// Nacos 1.x and 2.x serve: GET the content, then long-poll the listener with its MD5 and
// fetch again when the server says it changed.
import { formatOf } from "./decode.ts";
import { ConfigError, toConfigError } from "./errors.ts";
import { type FetchFn, fetchWithDeadline, httpError, normaliseEndpoint } from "./http.ts";
import { md5Hex } from "./md5.ts";
import { pollWatcher } from "./poll.ts";
import type { KeyValue, Source, Watcher } from "./types.ts";

/** Options of {@linkcode nacos}. */
export interface NacosOptions {
  /** Server address, e.g. `http://127.0.0.1:8848`. */
  readonly endpoint: string;
  /** Context path of the server; default `/nacos`. */
  readonly contextPath?: string;
  /** The config's data id, e.g. `helloworld.yaml` (its extension gives the format). */
  readonly dataId: string;
  /** The config's group; default `DEFAULT_GROUP`. */
  readonly group?: string;
  /** Namespace id (the API's `tenant`); the public namespace by default. */
  readonly namespace?: string;
  /** Format when the data id has no extension. */
  readonly format?: string;
  /** User name, when the server has auth enabled (with `password`). */
  readonly username?: string;
  /** Password for `username`. */
  readonly password?: string;
  /** How long the server may hold a listener request, in ms; default 30000. */
  readonly longPollTimeoutMs?: number;
  /** Deadline of other requests, in ms; default 10000. */
  readonly requestTimeoutMs?: number;
  /** The fetch to use (TLS clients, tests); defaults to the global fetch. */
  readonly fetch?: FetchFn;
}

/** A source reading one Nacos config, watched with the long-polling listener. */
export function nacos(options: NacosOptions): Source {
  const base = normaliseEndpoint("nacos", options?.endpoint) +
    (options.contextPath ?? "/nacos").replace(/\/+$/, "");
  const { dataId } = options;
  const group = options.group ?? "DEFAULT_GROUP";
  const tenant = options.namespace ?? "";
  for (const [name, v] of [["dataId", dataId], ["group", group]] as const) {
    if (typeof v !== "string" || v === "" || v.includes("\x01") || v.includes("\x02")) {
      throw new ConfigError(
        "usage",
        `nacos: ${name} must be a non-empty string without \\x01 or \\x02`,
        {
          source: "nacos",
        },
      );
    }
  }
  if ((options.username === undefined) !== (options.password === undefined)) {
    throw new ConfigError("usage", "nacos: give both username and password, or neither", {
      source: "nacos",
    });
  }
  const format = formatOf(dataId) || options.format || "";
  if (format === "") {
    throw new ConfigError(
      "usage",
      `nacos: cannot tell the format of data id ${dataId}: give it an extension or set the format option`,
      { source: "nacos" },
    );
  }
  const fetchFn: FetchFn = options.fetch ?? ((input, init) => fetch(input, init));
  const longPollMs = options.longPollTimeoutMs ?? 30_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const where = `${dataId} (group ${group}${tenant ? `, namespace ${tenant}` : ""})`;
  let token: { value: string; expires: number } | undefined;

  const login = async (signal?: AbortSignal): Promise<string | undefined> => {
    if (options.username === undefined) return undefined;
    if (token && Date.now() < token.expires) return token.value;
    const { response, text } = await call(
      `${base}/v1/auth/login`,
      {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ username: options.username, password: options.password! }),
      },
      requestTimeoutMs,
      "login",
      signal,
    );
    if (!response.ok) throw httpError("nacos", "login", response.status, text);
    let body: { accessToken?: string; tokenTtl?: number } = {};
    try {
      body = JSON.parse(text);
    } catch {
      // reported below as a missing token
    }
    if (!body.accessToken) {
      throw new ConfigError("source", `nacos: login: no accessToken in the answer`, {
        source: "nacos",
      });
    }
    // Renew well before the server's TTL runs out.
    token = { value: body.accessToken, expires: Date.now() + (body.tokenTtl ?? 18_000) * 900 };
    return token.value;
  };

  const call = async (
    url: string,
    init: RequestInit,
    timeoutMs: number,
    what: string,
    signal?: AbortSignal,
  ) => {
    try {
      return await fetchWithDeadline(fetchFn, url, init, timeoutMs, signal);
    } catch (e) {
      throw toConfigError(e, "source", `nacos: ${what} at ${base}`, "nacos");
    }
  };

  // Sends an authenticated request; on 403 (expired token) logs in again once and retries.
  const authed = async (
    path: string,
    query: Record<string, string>,
    init: RequestInit,
    timeoutMs: number,
    what: string,
    signal?: AbortSignal,
  ) => {
    for (let attempt = 0;; attempt++) {
      const q = new URLSearchParams(query);
      const t = await login(signal);
      if (t) q.set("accessToken", t);
      const r = await call(`${base}${path}?${q}`, init, timeoutMs, what, signal);
      if (r.response.status === 403 && t && attempt === 0) {
        token = undefined;
        continue;
      }
      return r;
    }
  };

  const params = (): Record<string, string> => {
    const q: Record<string, string> = { dataId, group };
    if (tenant) q.tenant = tenant;
    return q;
  };

  /** The content, or `undefined` when the config does not exist. */
  const get = async (signal?: AbortSignal): Promise<string | undefined> => {
    const { response, text } = await authed(
      "/v1/cs/configs",
      params(),
      {},
      requestTimeoutMs,
      `get ${where}`,
      signal,
    );
    if (response.status === 404) return undefined;
    if (!response.ok) throw httpError("nacos", `get ${where}`, response.status, text);
    return text;
  };

  const toKvs = (content: string | undefined): KeyValue[] =>
    content === undefined ? [] : [{ key: dataId, value: content, format, origin: where }];

  let loaded: string | undefined;
  return {
    name: "nacos",
    async load() {
      const content = await get();
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
      const listen = async (signal: AbortSignal): Promise<boolean> => {
        const md5 = current === undefined ? "" : md5Hex(current);
        const entry = [dataId, group, md5, ...(tenant ? [tenant] : [])].join("\x02") + "\x01";
        const { response, text } = await authed(
          "/v1/cs/configs/listener",
          {},
          {
            method: "POST",
            headers: {
              "content-type": "application/x-www-form-urlencoded",
              "long-pulling-timeout": String(longPollMs),
            },
            body: new URLSearchParams({ "Listening-Configs": entry }),
          },
          longPollMs + requestTimeoutMs,
          `listen ${where}`,
          signal,
        );
        if (!response.ok) throw httpError("nacos", `listen ${where}`, response.status, text);
        return decodeURIComponent(text.trim()).split("\x01").some((item) => {
          const [d, g, t = ""] = item.split("\x02");
          return d === dataId && g === group && t === tenant;
        });
      };
      return Promise.resolve(pollWatcher(async (signal) => {
        while (!signal.aborted) {
          if (!(await listen(signal))) continue;
          const content = await get(signal);
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
