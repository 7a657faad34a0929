// Deep merge of layers (later wins, objects merged, arrays and scalars replaced) and the
// structural equality used to decide which watched keys changed.
import { isPlainObject, type Tree } from "./path.ts";

/** Merges `src` over `dst` without mutating either: objects merge key by key, all else replaces. */
export function mergeValue(dst: unknown, src: unknown): unknown {
  if (!isPlainObject(dst) || !isPlainObject(src)) return src;
  const out: Tree = { ...dst };
  for (const [k, v] of Object.entries(src)) {
    out[k] = Object.hasOwn(dst, k) ? mergeValue(dst[k], v) : v;
  }
  return out;
}

/** Merges every tree in order onto an empty root. */
export function mergeAll(trees: Iterable<unknown>): Tree {
  let out: Tree = {};
  for (const t of trees) out = mergeValue(out, t) as Tree;
  return out;
}

/** Structural equality of config values (plain objects, arrays, primitives). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isPlainObject(a)) {
    if (!isPlainObject(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** Freezes a tree in place so values handed to users cannot corrupt the current config. */
export function deepFreeze<T>(v: T): T {
  if ((Array.isArray(v) || isPlainObject(v)) && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const child of Object.values(v as object)) deepFreeze(child);
  }
  return v;
}
