// Writes to a test etcd through its JSON gateway, and a fetch wrapper that can cut the watch
// connections to simulate a network partition.
import { base64Encode } from "@bufbuild/protobuf/wire";

const textToBase64 = (text: string) => base64Encode(new TextEncoder().encode(text), "std");

/** Puts, deletes and compacts keys in a test etcd. */
export function etcdClient(endpoint: string) {
  const call = async (path: string, body: unknown) => {
    const res = await fetch(`${endpoint}${path}`, { method: "POST", body: JSON.stringify(body) });
    const json = await res.json();
    if (!res.ok) throw new Error(`etcd ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json as { header: { revision: string } };
  };
  return {
    put: (key: string, value: string) =>
      call("/v3/kv/put", { key: textToBase64(key), value: textToBase64(value) }),
    delete: (key: string) => call("/v3/kv/deleterange", { key: textToBase64(key) }),
    compact: (revision: string) => call("/v3/kv/compaction", { revision, physical: true }),
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
