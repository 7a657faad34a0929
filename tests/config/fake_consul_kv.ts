// A stateful fake of Consul's KV HTTP API, for contract tests of the consul source (no Consul
// can run here). It follows the documented behaviour the source relies on:
// - GET /v1/kv/:prefix?recurse: entries {Key, Value (base64 or null), CreateIndex, ModifyIndex,
//   LockIndex, Flags}; 404 when nothing matches, with an X-Consul-Index header either way.
// - Blocking queries: with `index`, the answer waits until the prefix's index exceeds it or
//   `wait` ("10s", "500ms"; default 5 m) elapses. Deletes bump the index through tombstones.
// - PUT /v1/kv/:key (raw body) → `true`; DELETE /v1/kv/:key → `true`.
// - ACLs: with a token configured, requests without a matching X-Consul-Token get 403.
// - `dc` other than the fake's datacenter → 500 "No path to datacenter".

/** A request the fake received. */
export interface KvRequest {
  /** Method. */
  readonly method: string;
  /** Path with query. */
  readonly url: URL;
  /** Headers. */
  readonly headers: Headers;
}

interface Entry {
  value: Uint8Array | null;
  createIndex: number;
  modifyIndex: number;
}

/** Controls of the fake. */
export interface FakeConsulKv {
  /** Base URL, e.g. `http://127.0.0.1:12345`. */
  readonly endpoint: string;
  /** Every request so far. */
  readonly requests: KvRequest[];
  /** Sets a key (as a PUT would). */
  put(key: string, value: string | null): void;
  /** Deletes a key (as a DELETE would). */
  delete(key: string): void;
  /** Answers the next `n` requests with HTTP 500. */
  failNext(n: number): void;
  /** Resolves once a blocking query is waiting for a change. */
  blocked(): Promise<void>;
  /** Stops the server. */
  close(): Promise<void>;
}

function parseWait(s: string | null): number {
  if (!s) return 300_000;
  const m = /^(\d+)(ms|s|m)$/.exec(s);
  if (!m) return 300_000;
  return Number(m[1]) * (m[2] === "ms" ? 1 : m[2] === "s" ? 1000 : 60_000);
}

function b64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/** Starts the fake on 127.0.0.1 with a free port. */
export function startFakeConsulKv(
  options: { token?: string; datacenter?: string } = {},
): FakeConsulKv {
  const data = new Map<string, Entry>();
  const tombstones = new Map<string, number>();
  const requests: KvRequest[] = [];
  let index = 1;
  let failures = 0;
  const changeWaiters = new Set<() => void>();
  const pending = new Set<() => void>();
  const blockWaiters = new Set<() => void>();
  const changed = () => {
    for (const w of [...changeWaiters]) w();
  };
  const set = (key: string, value: string | null) => {
    index++;
    const old = data.get(key);
    data.set(key, {
      value: value === null ? null : new TextEncoder().encode(value),
      createIndex: old?.createIndex ?? index,
      modifyIndex: index,
    });
    tombstones.delete(key);
    changed();
  };
  const remove = (key: string) => {
    if (!data.delete(key)) return;
    index++;
    tombstones.set(key, index);
    changed();
  };
  const prefixIndex = (prefix: string) => {
    let max = 0;
    for (const [k, e] of data) if (k.startsWith(prefix)) max = Math.max(max, e.modifyIndex);
    for (const [k, i] of tombstones) if (k.startsWith(prefix)) max = Math.max(max, i);
    return max === 0 ? index : max;
  };

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    requests.push({ method: req.method, url, headers: req.headers });
    const body = req.method === "PUT" ? await req.text() : "";
    if (failures > 0) {
      failures--;
      return new Response("rpc error: simulated failure", { status: 500 });
    }
    if (options.token && req.headers.get("x-consul-token") !== options.token) {
      return new Response("Permission denied: token lacks key:read", { status: 403 });
    }
    const dc = url.searchParams.get("dc");
    if (dc !== null && dc !== (options.datacenter ?? "dc1")) {
      return new Response(`No path to datacenter`, { status: 500 });
    }
    if (!url.pathname.startsWith("/v1/kv/")) return new Response("not found", { status: 404 });
    const key = decodeURIComponent(url.pathname.slice("/v1/kv/".length));
    if (req.method === "PUT") {
      set(key, body);
      return Response.json(true);
    }
    if (req.method === "DELETE") {
      remove(key);
      return Response.json(true);
    }
    const recurse = url.searchParams.has("recurse");
    const wanted = Number(url.searchParams.get("index") ?? "0");
    if (wanted > 0 && prefixIndex(key) <= wanted) {
      const wait = parseWait(url.searchParams.get("wait"));
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          changeWaiters.delete(check);
          pending.delete(done);
          resolve();
        };
        const check = () => {
          if (prefixIndex(key) > wanted) done();
        };
        const timer = setTimeout(done, wait);
        changeWaiters.add(check);
        pending.add(done);
        for (const w of [...blockWaiters]) w();
        blockWaiters.clear();
      });
    }
    const matches = [...data].filter(([k]) => recurse ? k.startsWith(key) : k === key)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    const headers = { "x-consul-index": String(prefixIndex(key)) };
    if (matches.length === 0) return new Response("", { status: 404, headers });
    return Response.json(
      matches.map(([k, e]) => ({
        LockIndex: 0,
        Key: k,
        Flags: 0,
        Value: e.value === null ? null : b64(e.value),
        CreateIndex: e.createIndex,
        ModifyIndex: e.modifyIndex,
      })),
      { headers },
    );
  });
  return {
    endpoint: `http://127.0.0.1:${server.addr.port}`,
    requests,
    put: set,
    delete: remove,
    failNext(n) {
      failures = n;
    },
    blocked: () => new Promise((resolve) => blockWaiters.add(resolve)),
    async close() {
      for (const done of [...pending]) done();
      await server.shutdown();
    },
  };
}
