// The request-scoped value store (`newValues`, a class with its methods on the prototype) against
// Connect-ES's `createContextValues`, which it replaces per call, as the oracle: the same answers to
// every get after any sequence of sets and deletes, defaults included; and the slot set that
// holds a server's calls in flight against a plain Set.
import assert from "node:assert/strict";
import fc from "fast-check";
import { createContextKey, createContextValues } from "@connectrpc/connect";
import { newValues } from "../../internal/context.ts";
import { SlotSet } from "../../internal/slots.ts";

const keys = [
  createContextKey<unknown>(undefined),
  createContextKey<unknown>(7),
  createContextKey<unknown>("d", { description: "described" }),
  createContextKey<unknown>(null),
];
const op = fc.oneof(
  fc.record({
    kind: fc.constant("set" as const),
    key: fc.nat(keys.length - 1),
    value: fc.oneof(fc.constant(undefined), fc.integer(), fc.string()),
  }),
  fc.record({ kind: fc.constant("delete" as const), key: fc.nat(keys.length - 1) }),
);

Deno.test("newValues answers every get as createContextValues does, after any sets and deletes", () => {
  fc.assert(fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
    const ours = newValues();
    const oracle = createContextValues();
    for (const o of ops) {
      const key = keys[o.key];
      if (o.kind === "set") {
        assert.equal(ours.set(key, o.value), ours);
        oracle.set(key, o.value);
      } else {
        assert.equal(ours.delete(key), ours);
        oracle.delete(key);
      }
      for (const k of keys) assert.equal(ours.get(k), oracle.get(k));
    }
  }));
});

Deno.test("SlotSet holds what a Set holds, through adds, deletes and slot reuse", () => {
  fc.assert(fc.property(fc.array(fc.nat(40), { maxLength: 200 }), (steps) => {
    const slots = new SlotSet<object>();
    const oracle = new Map<object, number>();
    for (const n of steps) {
      const live = [...oracle.keys()];
      if (n % 3 !== 0 || live.length === 0) {
        const item = {};
        oracle.set(item, slots.add(item));
      } else {
        const item = live[n % live.length];
        slots.delete(item, oracle.get(item)!);
        oracle.delete(item);
        // A stale delete (the item's old slot, now maybe another item's) removes nothing.
        slots.delete(item, oracle.size === 0 ? 0 : [...oracle.values()][0]);
      }
      const seen: object[] = [];
      slots.forEach((x) => seen.push(x));
      assert.equal(slots.size, oracle.size);
      assert.deepEqual(new Set(seen), new Set(oracle.keys()));
    }
  }));
});
