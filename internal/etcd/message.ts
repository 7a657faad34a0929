// One message of etcd's /v3/watch stream, reduced to what a watcher needs. Order matters: a
// compaction is also `canceled`, and a refused watch is `created` and `canceled` at once.
import type { EtcdClient, EtcdKeyValue } from "./client.ts";

/** One change in a watch message. */
export interface WatchEvent {
  /** A PUT (no `type` on the wire) or a DELETE (lease expiry included). */
  readonly type: "put" | "delete";
  /** The key; for a DELETE only `key` and `modRevision` are set. */
  readonly kv: EtcdKeyValue;
}

/** One message of a watch stream. */
export type WatchMessage =
  | { readonly kind: "created"; readonly revision: bigint }
  | { readonly kind: "progress"; readonly revision: bigint }
  | { readonly kind: "events"; readonly events: readonly WatchEvent[] }
  | { readonly kind: "compacted"; readonly compactRevision: bigint }
  | { readonly kind: "canceled"; readonly reason: string };

/** Parses one line of the stream; an error line or a malformed one is a `bad_response`. */
export function parseWatchMessage(line: unknown, client: EtcdClient, what: string): WatchMessage {
  const envelope = line as Record<string, unknown> | null;
  if (envelope?.error !== undefined) {
    const error = envelope.error as Record<string, unknown>;
    const detail = String(error?.message ?? JSON.stringify(error));
    throw client.http.error("bad_response", `${what}: ${detail}`, {});
  }
  const result = envelope?.result as Record<string, unknown> | undefined;
  if (!result || typeof result !== "object") {
    throw client.http.error("bad_response", `${what}: message without result`, {});
  }
  if (result.compact_revision !== undefined && result.compact_revision !== "0") {
    return {
      kind: "compacted",
      compactRevision: client.revision({ revision: result.compact_revision }, what),
    };
  }
  if (result.canceled) {
    return { kind: "canceled", reason: String(result.cancel_reason ?? "no reason given") };
  }
  if (result.created) return { kind: "created", revision: client.revision(result.header, what) };
  if (Array.isArray(result.events) && result.events.length > 0) {
    return {
      kind: "events",
      events: result.events.map((raw: Record<string, unknown>) => ({
        type: raw?.type === "DELETE" ? "delete" as const : "put" as const,
        kv: client.keyValue(raw?.kv, what),
      })),
    };
  }
  return { kind: "progress", revision: client.revision(result.header, what) };
}
