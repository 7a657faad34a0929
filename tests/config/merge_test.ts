// Merge order: sources in order, later wins, objects merged deeply, arrays replaced; plus
// property tests of the merge itself.
import assert from "node:assert/strict";
import fc from "fast-check";
import { createConfig, memory } from "../../config/mod.ts";
import { mergeAll, mergeValue } from "../../config/merge.ts";

Deno.test("later sources win, objects merge deeply, arrays and scalars are replaced", async () => {
  const config = createConfig({
    sources: [
      memory({
        server: { http: { addr: ":8000", timeout: "1s" }, grpc: { addr: ":9000" } },
        hosts: ["a", "b", "c"],
        mode: { kind: "object" },
      }),
      memory({ server: { http: { addr: ":8080" } }, hosts: ["z"], mode: "flat" }),
      memory({ server: { grpc: { timeout: "2s" } } }),
    ],
  });
  await config.load();
  assert.deepEqual(config.value("").raw(), {
    server: { http: { addr: ":8080", timeout: "1s" }, grpc: { addr: ":9000", timeout: "2s" } },
    hosts: ["z"],
    mode: "flat",
  });
  await config.close();
});

Deno.test("a later null removes a value and an object replaces a scalar", async () => {
  const config = createConfig({
    sources: [memory({ a: { b: 1, c: 2 }, d: 5 }), memory({ a: { b: null }, d: { e: 1 } })],
  });
  await config.load();
  assert.equal(config.value("a.b").exists, false);
  assert.equal(config.value("a.b").number(7), 7);
  assert.equal(config.value("a.c").number(), 2);
  assert.deepEqual(config.value("d").raw(), { e: 1 });
  await config.close();
});

const key = fc.constantFrom("a", "b", "c", "d");
const leaf = fc.oneof(
  fc.integer(),
  fc.string(),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 3 }),
);
// JSON round trip: config trees are JSON-like, and fast-check may generate null prototypes.
const tree = fc.letrec((tie) => ({
  tree: fc.dictionary(key, fc.oneof({ depthSize: "small" }, leaf, tie("tree")), { maxKeys: 4 }),
})).tree.map((t) => JSON.parse(JSON.stringify(t)) as Record<string, unknown>);

function leaves(v: unknown, path: string[] = []): [string[], unknown][] {
  if (typeof v === "object" && v !== null && !Array.isArray(v)) {
    return Object.entries(v).flatMap(([k, x]) => leaves(x, [...path, k]));
  }
  return [[path, v]];
}

function at(v: unknown, path: string[]): unknown {
  return path.reduce<unknown>((n, k) => (n as Record<string, unknown> | undefined)?.[k], v);
}

Deno.test("property: every leaf of the later tree wins", () => {
  fc.assert(fc.property(tree, tree, (a, b) => {
    const m = mergeValue(a, b);
    for (const [path, v] of leaves(b)) {
      if (path.length > 0) assert.deepEqual(at(m, path), v);
    }
  }));
});

Deno.test("property: leaves of the earlier tree survive unless the later tree covers their path", () => {
  fc.assert(fc.property(tree, tree, (a, b) => {
    const m = mergeValue(a, b);
    for (const [path, v] of leaves(a)) {
      // b replaces the leaf if it sets the leaf's own path (to anything) or a scalar above it.
      const covered = at(b, path) !== undefined || path.slice(0, -1).some((_, i) => {
        const x = at(b, path.slice(0, i + 1));
        return x !== undefined && (typeof x !== "object" || x === null || Array.isArray(x));
      });
      if (!covered && path.length > 0) assert.deepEqual(at(m, path), v);
    }
  }));
});

// Not associative: (a ⊕ {x: 0}) ⊕ {x: {}} loses what a had under x, a ⊕ ({x: 0} ⊕ {x: {}}) keeps
// it; so the config folds its layers strictly left to right.
Deno.test("property: merge is idempotent, has {} as identity and mutates nothing", () => {
  fc.assert(fc.property(tree, tree, tree, (a, b, c) => {
    const snapshot = JSON.stringify([a, b, c]);
    assert.deepEqual(mergeAll([a, b, c]), mergeValue(mergeValue(a, b), c));
    assert.deepEqual(mergeValue(a, a), a);
    assert.deepEqual(mergeValue({}, a), a);
    assert.deepEqual(mergeValue(a, {}), a);
    assert.equal(JSON.stringify([a, b, c]), snapshot);
  }));
});
