// etcd's v3 JSON gateway over plain fetch (no gRPC, so it runs on Workers too). Facts that
// shape this file, all measured on etcd 3.4: every call is a POST; keys and values are base64;
// int64s (revisions, lease ids) come back as JSON strings and lease ids exceed 2^53, so they stay
// strings; zero values are omitted (a keepalive answer without TTL means the lease is gone).
import { base64Decode, base64Encode } from "@bufbuild/protobuf/wire";
import { readNdjson } from "../../internal/ndjson.ts";
import { RegistryError } from "../errors.ts";
import { call, type HttpClient, joinUrl, json, openStream } from "../http.ts";

/** One key-value pair as read from etcd. */
export interface KeyValue {
  /** Key (UTF-8). */
  readonly key: string;
  /** Value bytes decoded as UTF-8 (lossy for non-UTF-8 values). */
  readonly value: string;
  /** Revision of the last change to the key. */
  readonly modRevision: bigint;
}

/** One message of a watch stream, reduced to what the registry needs. */
export type WatchMessage =
  | { readonly kind: "created"; readonly revision: bigint }
  | { readonly kind: "progress"; readonly revision: bigint }
  | {
    readonly kind: "events";
    readonly events: readonly { readonly type: "put" | "delete"; readonly kv: KeyValue }[];
  }
  | { readonly kind: "compacted"; readonly compactRevision: bigint }
  | { readonly kind: "canceled"; readonly reason: string };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Standard padded base64 of the UTF-8 bytes of `text`. */
export function toBase64(text: string | Uint8Array): string {
  return base64Encode(typeof text === "string" ? encoder.encode(text) : text, "std");
}

/** Decodes base64 to bytes. */
export function fromBase64(data: string): Uint8Array {
  return base64Decode(data);
}

/** The `range_end` that makes a range cover every key starting with `prefix`. */
export function prefixEnd(prefix: string): Uint8Array {
  const bytes = encoder.encode(prefix);
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

/** A client of one etcd gateway. */
export class EtcdGateway {
  readonly #client: HttpClient;
  readonly #base: string;

  /** Talks to the gateway at `base` (e.g. `http://127.0.0.1:2379`). */
  constructor(client: HttpClient, base: string) {
    this.#client = client;
    this.#base = base;
  }

  async #post(
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
    accept?: readonly number[],
    streamed = false,
  ): Promise<Record<string, unknown>> {
    const what = `etcd ${path}`;
    const result = await call(this.#client, what, joinUrl(this.#base, `/v3${path}`), {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json" },
      signal,
      accept,
    });
    if (result.status !== 200) return {};
    // A streamed answer (keepalive) is newline-framed; its first line is the whole answer.
    const parsed = json(
      streamed ? { ...result, text: result.text.split("\n", 1)[0] } : result,
      what,
    );
    if (parsed === null || typeof parsed !== "object") {
      throw new RegistryError("bad_response", `${what}: expected a JSON object`);
    }
    return parsed as Record<string, unknown>;
  }

  /** Grants a lease of `ttl` seconds and returns its id. */
  async grant(ttl: number, signal?: AbortSignal): Promise<string> {
    const answer = await this.#post("/lease/grant", { TTL: String(ttl) }, signal);
    if (typeof answer.ID !== "string" || answer.ID === "") {
      throw new RegistryError("bad_response", "etcd /lease/grant: answer has no lease ID");
    }
    return answer.ID;
  }

  /** Writes `key` = `value` attached to `lease`. */
  async put(key: string, value: string, lease: string, signal?: AbortSignal): Promise<void> {
    await this.#post(
      "/kv/put",
      { key: toBase64(key), value: toBase64(value), lease },
      signal,
    );
  }

  /** Refreshes a lease; returns its remaining TTL in seconds, 0 when the lease is gone. */
  async keepAlive(lease: string, signal?: AbortSignal): Promise<number> {
    const answer = await this.#post("/lease/keepalive", { ID: lease }, signal, [404], true);
    const result = answer.result as Record<string, unknown> | undefined;
    const ttl = Number(result?.TTL ?? 0);
    return Number.isFinite(ttl) && ttl > 0 ? ttl : 0;
  }

  /** Revokes a lease (deleting its keys); an unknown lease is not an error. */
  async revoke(lease: string, signal?: AbortSignal): Promise<void> {
    await this.#post("/lease/revoke", { ID: lease }, signal, [404]);
  }

  /** Deletes one key. */
  async delete(key: string, signal?: AbortSignal): Promise<void> {
    await this.#post("/kv/deleterange", { key: toBase64(key) }, signal);
  }

  /**
   * Every key under `prefix`, and the store revision they were read at; `keysOnly` leaves the
   * values out (they come back empty).
   */
  async range(
    prefix: string,
    signal?: AbortSignal,
    keysOnly = false,
  ): Promise<{ revision: bigint; kvs: KeyValue[] }> {
    const answer = await this.#post(
      "/kv/range",
      {
        key: toBase64(prefix),
        range_end: toBase64(prefixEnd(prefix)),
        ...(keysOnly ? { keys_only: true } : {}),
      },
      signal,
    );
    const kvs = Array.isArray(answer.kvs) ? answer.kvs.map(keyValue) : [];
    return { revision: revisionOf(answer.header), kvs };
  }

  /**
   * Watches every key under `prefix` from `startRevision`, yielding messages until the stream
   * ends (the server went away), stays idle longer than `idleMs`, or `signal` aborts.
   */
  async *watch(
    prefix: string,
    startRevision: bigint,
    idleMs: number,
    signal: AbortSignal,
  ): AsyncGenerator<WatchMessage, void, void> {
    const request = {
      create_request: {
        key: toBase64(prefix),
        range_end: toBase64(prefixEnd(prefix)),
        start_revision: String(startRevision),
        progress_notify: true,
      },
    };
    const stream = await openStream(this.#client, "etcd /watch", joinUrl(this.#base, "/v3/watch"), {
      body: JSON.stringify(request),
      headers: { "content-type": "application/json" },
      signal,
    });
    try {
      for await (const line of readNdjson(stream.body, { idleMs, signal })) {
        yield watchMessage(line);
      }
    } finally {
      stream.abort();
    }
  }
}

function revisionOf(header: unknown): bigint {
  const raw = (header as Record<string, unknown> | undefined)?.revision;
  try {
    return BigInt(typeof raw === "string" || typeof raw === "number" ? raw : 0);
  } catch {
    throw new RegistryError("bad_response", `etcd: malformed revision ${JSON.stringify(raw)}`);
  }
}

function keyValue(raw: unknown): KeyValue {
  const kv = raw as Record<string, unknown>;
  if (kv === null || typeof kv !== "object" || typeof kv.key !== "string") {
    throw new RegistryError("bad_response", "etcd: key-value without a key");
  }
  let key: string;
  let value: string;
  try {
    key = decoder.decode(fromBase64(kv.key));
    value = typeof kv.value === "string" ? decoder.decode(fromBase64(kv.value)) : "";
  } catch (error) {
    throw new RegistryError("bad_response", "etcd: key-value is not valid base64", {
      cause: error,
    });
  }
  return { key, value, modRevision: revisionOf({ revision: kv.mod_revision }) };
}

function watchMessage(line: unknown): WatchMessage {
  const envelope = line as Record<string, unknown> | null;
  if (envelope?.error !== undefined) {
    const error = envelope.error as Record<string, unknown>;
    throw new RegistryError(
      "bad_response",
      `etcd /watch: ${String(error?.message ?? JSON.stringify(error))}`,
    );
  }
  const result = envelope?.result as Record<string, unknown> | undefined;
  if (!result || typeof result !== "object") {
    throw new RegistryError("bad_response", "etcd /watch: message without result");
  }
  if (result.compact_revision !== undefined && result.compact_revision !== "0") {
    return {
      kind: "compacted",
      compactRevision: revisionOf({ revision: result.compact_revision }),
    };
  }
  if (result.canceled) {
    return { kind: "canceled", reason: String(result.cancel_reason ?? "watch canceled") };
  }
  if (result.created) return { kind: "created", revision: revisionOf(result.header) };
  if (Array.isArray(result.events) && result.events.length > 0) {
    return {
      kind: "events",
      events: result.events.map((raw: Record<string, unknown>) => ({
        type: raw.type === "DELETE" ? "delete" as const : "put" as const,
        kv: keyValue(raw.kv),
      })),
    };
  }
  return { kind: "progress", revision: revisionOf(result.header) };
}
