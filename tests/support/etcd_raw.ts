// Raw etcd gateway calls for tests: what another client (Go Kratos, etcdctl) would do to the
// store behind the adapter's or the config source's back, and fetch wrappers that count or cut
// the adapters' connections.
import { fromBase64, toBase64 } from "../../internal/base64.ts";
import type { FetchLike } from "../../registry/mod.ts";

/** POSTs to the gateway and returns the parsed answer (first line for streamed answers). */
export async function etcdPost(
  endpoint: string,
  path: string,
  body: unknown,
): Promise<Record<string, unknown>> {
  const res = await fetch(`${endpoint}/v3${path}`, {
    method: "POST",
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`etcd ${path}: HTTP ${res.status} ${text}`);
  return JSON.parse(text.split("\n")[0]);
}

/** Writes a raw key (no lease), as a hand-written record. */
export async function putRaw(endpoint: string, key: string, value: string): Promise<void> {
  await etcdPost(endpoint, "/kv/put", { key: toBase64(key), value: toBase64(value) });
}

/** Reads one key: its exact value bytes and lease id, or undefined when absent. */
export async function getRaw(
  endpoint: string,
  key: string,
): Promise<{ value: Uint8Array; lease: string | undefined } | undefined> {
  const answer = await etcdPost(endpoint, "/kv/range", { key: toBase64(key) });
  const kvs = answer.kvs as Record<string, string>[] | undefined;
  if (!kvs?.length) return undefined;
  return { value: fromBase64(kvs[0].value ?? ""), lease: kvs[0].lease };
}

/** Remaining TTL of a lease in seconds; -1 when it no longer exists. */
export async function leaseTtl(endpoint: string, lease: string): Promise<number> {
  const answer = await etcdPost(endpoint, "/lease/timetolive", { ID: lease });
  return Number(answer.TTL ?? -1);
}

/** A fetch that counts requests per gateway path (e.g. `/v3/watch`). */
export function countingFetch(): { fetch: FetchLike; calls(path: string): number } {
  const counts = new Map<string, number>();
  return {
    fetch(input, init) {
      const path = new URL(String(input)).pathname;
      counts.set(path, (counts.get(path) ?? 0) + 1);
      return fetch(input, init);
    },
    calls: (path) => counts.get(path) ?? 0,
  };
}

/** Puts, deletes and compacts keys in a test etcd, answering with the store revision. */
export function etcdClient(endpoint: string) {
  const call = async (path: string, body: unknown) =>
    await etcdPost(endpoint, path, body) as { header: { revision: string } };
  return {
    put: (key: string, value: string) =>
      call("/kv/put", { key: toBase64(key), value: toBase64(value) }),
    delete: (key: string) => call("/kv/deleterange", { key: toBase64(key) }),
    compact: (revision: string) => call("/kv/compaction", { revision, physical: true }),
  };
}

/** A fetch that counts watch connections and can refuse and cut them while "partitioned". */
export function partitionableFetch() {
  const streams = new Set<AbortController>();
  const state = {
    partitioned: false,
    watchRequests: 0,
    fetch: async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const url = String(input instanceof Request ? input.url : input);
      if (!url.endsWith("/v3/watch")) return await fetch(input, init);
      state.watchRequests++;
      if (state.partitioned) throw new TypeError("network unreachable (simulated)");
      const controller = new AbortController();
      init?.signal?.addEventListener("abort", () => controller.abort(), { once: true });
      streams.add(controller);
      return await fetch(input, { ...init, signal: controller.signal });
    },
    /** Refuses new watch connections and cuts the open ones. */
    cut() {
      state.partitioned = true;
      for (const c of streams) c.abort(new TypeError("connection reset (simulated)"));
      streams.clear();
    },
    heal() {
      state.partitioned = false;
    },
  };
  return state;
}
