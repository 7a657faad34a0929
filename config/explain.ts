// Provenance: replays the merge of the decoded layers for one key to tell which layer the
// effective value came from and which earlier layers it replaced.
import type { Layer } from "./decode.ts";
import { getAt, isPlainObject, joinKey, splitKey, type Tree } from "./path.ts";
import { hasPlaceholder, placeholderKeys } from "./placeholder.ts";
import type { Explanation, Origin } from "./types.ts";

/** Explains `key` given the layers in merge order and the merged trees; undefined if unset. */
export function explainKey(
  key: string,
  layers: readonly Layer[],
  raw: Tree,
  resolved: Tree,
): Explanation | undefined {
  const segments = splitKey(key);
  const value = getAt(resolved, segments);
  if (value === undefined) return undefined;
  let from: Origin[] = [];
  const overridden: Origin[] = [];
  let isObject = false;
  for (const layer of layers) {
    if (replacesAncestor(layer.tree, segments)) {
      overridden.push(...from);
      from = [];
      isObject = false;
      continue;
    }
    const v = getAt(layer.tree, segments);
    if (v === undefined) continue;
    if (isPlainObject(v) && isObject) {
      from.push(layer.origin);
    } else {
      overridden.push(...from);
      from = [layer.origin];
      isObject = isPlainObject(v);
    }
  }
  // A key inside an array or the root has no layer of its own: the array's layers answer.
  if (from.length === 0 && segments.length > 0) {
    const parent = explainKey(joinKey(segments.slice(0, -1)), layers, raw, resolved);
    if (parent === undefined) return undefined;
    from = [...parent.from];
    overridden.push(...parent.overridden);
  }
  const last = from.at(-1) ?? { source: "", location: "" };
  const template = getAt(raw, segments);
  const out: Explanation = {
    key: joinKey(segments),
    value,
    source: last.source,
    location: last.location,
    from,
    overridden,
  };
  if (typeof template === "string" && hasPlaceholder(template)) {
    return { ...out, template, references: placeholderKeys(template) };
  }
  return out;
}

/** True when the tree sets a proper ancestor of the path to something that is not an object. */
function replacesAncestor(tree: unknown, segments: readonly string[]): boolean {
  let node = tree;
  for (let i = 0; i < segments.length - 1; i++) {
    if (!isPlainObject(node)) return false;
    if (!Object.hasOwn(node, segments[i])) return false;
    node = node[segments[i]];
    if (!isPlainObject(node)) return !Array.isArray(node) || !/^\d+$/.test(segments[i + 1]);
  }
  return false;
}
