// Dotted keys (`server.http.addr`, `hosts[0]` or `hosts.0`) and lookups in a config tree.
import { ConfigError } from "./errors.ts";

/** A config tree: what JSON, YAML and TOML documents decode to. */
export type Tree = Record<string, unknown>;

/** True for plain objects (not arrays, dates or null): the nodes deep merge descends into. */
export function isPlainObject(v: unknown): v is Tree {
  if (typeof v !== "object" || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

const cache = new Map<string, readonly string[]>();

/** Splits a dotted key into segments; `""` is the root. Array indexes may be `[0]` or `.0`. */
export function splitKey(key: string): readonly string[] {
  const hit = cache.get(key);
  if (hit) return hit;
  const segments: string[] = [];
  if (key !== "") {
    for (const part of key.split(".")) {
      const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
      if (!m || (m[1] === "" && m[2] === "")) {
        throw new ConfigError("usage", `invalid config key "${key}": empty or malformed segment`, {
          key,
        });
      }
      if (m[1] !== "") segments.push(m[1]);
      for (const idx of m[2].matchAll(/\[(\d+)\]/g)) segments.push(idx[1]);
    }
  }
  if (cache.size > 1000) cache.clear();
  cache.set(key, segments);
  return segments;
}

/** Joins segments back to the canonical dotted form. */
export function joinKey(segments: readonly string[]): string {
  return segments.join(".");
}

/** The value at `segments`, or `undefined`; descends into objects and arrays. */
export function getAt(tree: unknown, segments: readonly string[]): unknown {
  let node = tree;
  for (const s of segments) {
    if (Array.isArray(node)) {
      if (!/^\d+$/.test(s)) return undefined;
      node = node[Number(s)];
    } else if (isPlainObject(node)) {
      node = Object.hasOwn(node, s) ? node[s] : undefined;
    } else {
      return undefined;
    }
  }
  return node;
}

/** A tree holding `value` at the dotted path `segments` (the value itself for the root). */
export function nest(segments: readonly string[], value: unknown): unknown {
  let out = value;
  for (let i = segments.length - 1; i >= 0; i--) out = { [segments[i]]: out };
  return out;
}

/** Human-readable path of a node found while walking a tree, e.g. `data.hosts[1]`. */
export function describePath(segments: readonly (string | number)[]): string {
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else out += out === "" ? s : `.${s}`;
  }
  return out === "" ? "(root)" : out;
}
