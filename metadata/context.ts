// Server- and client-side metadata in the request context (Kratos's NewServerContext /
// FromServerContext / AppendToClientContext / MergeToClientContext), over AsyncLocalStorage.
import {
  childValues,
  createContextKey,
  currentValues,
  getValue,
  markCallScoped,
  runWithValues,
} from "../internal/context.ts";
import type { ContextKey } from "../internal/contract.ts";
import { Metadata } from "./metadata.ts";

/** Context key of the metadata the server middleware captured from the incoming request. */
export const serverMetadataKey: ContextKey<Metadata | undefined> = createContextKey<
  Metadata | undefined
>(undefined, { description: "atreus server metadata" });
// Lazily captured metadata references the request's headers.
markCallScoped(serverMetadataKey);

/** Context key of the metadata outgoing client calls send. */
export const clientMetadataKey: ContextKey<Metadata | undefined> = createContextKey<
  Metadata | undefined
>(undefined, { description: "atreus client metadata" });

/** The incoming metadata of the call being served (set by `metadata.server()`). */
export function fromServerContext(): Metadata | undefined {
  return getValue(serverMetadataKey);
}

/** The metadata outgoing calls from the current context will send. */
export function fromClientContext(): Metadata | undefined {
  return getValue(clientMetadataKey);
}

/**
 * Runs `fn` in a scope whose outgoing calls also send `metadata` (merged over the current client
 * metadata); the caller's scope is unchanged.
 */
export function withClientMetadata<T>(metadata: Metadata, fn: () => T): T {
  const parent = currentValues();
  const values = childValues(parent);
  const base = parent?.get(clientMetadataKey) ?? new Metadata();
  values.set(clientMetadataKey, base.merge(metadata));
  return runWithValues(values, fn);
}

/**
 * Appends `key, value, …` pairs to the client metadata of the current request scope, so every
 * later outgoing call of this request sends them. Outside a request, use `withClientMetadata`.
 */
export function appendToClientContext(...kv: string[]): void {
  if (kv.length % 2 !== 0) {
    throw new TypeError("metadata.appendToClientContext: want key/value pairs, got an odd count");
  }
  const md = scopeClientMetadata("appendToClientContext");
  for (let i = 0; i < kv.length; i += 2) md.add(kv[i], kv[i + 1]);
}

/** Merges `metadata` into the current request scope's client metadata (later wins per key). */
export function mergeToClientContext(metadata: Metadata): void {
  const md = scopeClientMetadata("mergeToClientContext");
  for (const [k, v] of metadata) md.set(k, ...v);
}

function scopeClientMetadata(fn: string): Metadata {
  const values = currentValues();
  if (values === undefined) {
    throw new Error(
      `metadata.${fn}: no request context here; wrap the calls in metadata.withClientMetadata()`,
    );
  }
  let md = values.get(clientMetadataKey);
  if (md === undefined) {
    md = new Metadata();
    values.set(clientMetadataKey, md);
  }
  return md;
}
