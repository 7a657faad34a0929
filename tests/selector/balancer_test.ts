// Balancers with injected clocks and seeded randomness: exact, repeatable outcomes, no timing.
import assert from "node:assert/strict";
import fc from "fast-check";
import { type Node, p2c, random, wrr } from "../../selector/mod.ts";
import { manualClock, node, seeded } from "../support/selector.ts";

const count = (picks: Node[]) => {
  const m = new Map<string, number>();
  for (const n of picks) m.set(n.instanceId, (m.get(n.instanceId) ?? 0) + 1);
  return m;
};

Deno.test("wrr: over k × total weight picks, each node gets exactly k × its weight", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 8 }),
      fc.integer({ min: 1, max: 4 }),
      (weights, k) => {
        const nodes = weights.map((w, i) =>
          node(`n${i}`, 9000 + i, { metadata: { weight: String(w) } })
        );
        const balancer = wrr();
        balancer.apply(nodes);
        const total = weights.reduce((a, b) => a + b, 0);
        const picks = Array.from({ length: k * total }, () => balancer.pick(nodes).node);
        const counts = count(picks);
        weights.forEach((w, i) => assert.equal(counts.get(`n${i}`) ?? 0, k * w));
      },
    ),
  );
});

Deno.test("wrr: smooth — heavy nodes are interleaved, not bursted (nginx's sequence)", () => {
  const a = node("a", 1, { metadata: { weight: "5" } });
  const b = node("b", 2, { metadata: { weight: "1" } });
  const c = node("c", 3, { metadata: { weight: "1" } });
  const balancer = wrr();
  const seq = Array.from({ length: 7 }, () => balancer.pick([a, b, c]).node.instanceId).join("");
  assert.equal(seq, "aabacaa");
});

Deno.test("wrr: default weight is 100; nodes that left lose their state", () => {
  const a = node("a", 1);
  const b = node("b", 2, { metadata: { weight: "300" } });
  assert.equal(a.weight, 100);
  const balancer = wrr();
  const picks = Array.from({ length: 4 }, () => balancer.pick([a, b]).node);
  assert.deepEqual([...count(picks)].sort(), [["a", 1], ["b", 3]]);
  balancer.apply([a]);
  assert.equal(balancer.pick([a]).node, a);
});

Deno.test("random: uniform over a seeded source", () => {
  const nodes = [node("a", 1), node("b", 2), node("c", 3), node("d", 4)];
  const balancer = random({ random: seeded(7) });
  const counts = count(Array.from({ length: 4000 }, () => balancer.pick(nodes).node));
  for (const n of nodes) {
    const c = counts.get(n.instanceId) ?? 0;
    assert.ok(c > 900 && c < 1100, `${n.instanceId}: ${c}`);
  }
  // An RNG returning its upper edge must not index past the end.
  assert.equal(random({ random: () => 0.9999999999999999 }).pick(nodes).node, nodes[3]);
});

Deno.test("p2c: steers away from a node reported slow", () => {
  const clock = manualClock(1_000);
  const balancer = p2c({ now: clock.now, random: seeded(42) });
  const slow = node("slow", 1);
  const fast = node("fast", 2);
  const nodes = [slow, fast];
  balancer.apply(nodes);
  const latency = (n: Node) => (n === slow ? 400 : 5);
  const picks: Node[] = [];
  for (let i = 0; i < 200; i++) {
    const { node: n, done } = balancer.pick(nodes);
    picks.push(n);
    clock.advance(10);
    done({ latencyMs: latency(n) });
  }
  // After the first samples, the slow node only gets a call when the 3 s force-pick fires.
  const afterWarmup = count(picks.slice(20));
  assert.ok((afterWarmup.get("slow") ?? 0) <= 1, `slow picked ${afterWarmup.get("slow")} times`);
  assert.ok((afterWarmup.get("fast") ?? 0) >= 179);
});

Deno.test("p2c: a node not picked for 3 s is force-picked once", () => {
  const clock = manualClock(0);
  const balancer = p2c({ now: clock.now, random: seeded(1) });
  const slow = node("slow", 1);
  const fast = node("fast", 2);
  for (let i = 0; i < 20; i++) {
    const { node: n, done } = balancer.pick([slow, fast]);
    done({ latencyMs: n === slow ? 400 : 5 });
  }
  const before = balancer.pick([slow, fast]);
  assert.equal(before.node, fast);
  before.done({ latencyMs: 5 });
  clock.advance(3_001);
  const forced = balancer.pick([slow, fast]);
  assert.equal(forced.node, slow, "the idle node gets a probe");
  forced.done({ latencyMs: 400 });
  assert.equal(balancer.pick([slow, fast]).node, fast, "and only one");
});

Deno.test("p2c: errors count against a node; in-flight calls count as load", () => {
  const clock = manualClock(0);
  const balancer = p2c({ now: clock.now, random: seeded(3) });
  const flaky = node("flaky", 1);
  const good = node("good", 2);
  for (let i = 0; i < 40; i++) {
    const { node: n, done } = balancer.pick([flaky, good]);
    clock.advance(20);
    done({ latencyMs: 5, error: n === flaky ? new Error("unavailable") : undefined });
  }
  const picks = Array.from({ length: 20 }, () => {
    const p = balancer.pick([flaky, good]);
    p.done({ latencyMs: 5 });
    clock.advance(1);
    return p.node;
  });
  assert.ok((count(picks).get("flaky") ?? 0) <= 1);

  // Equal history; one node holds many unfinished calls → the other wins.
  const fresh = p2c({ now: manualClock(0).now, random: seeded(9) });
  const busy = node("busy", 3);
  const idle = node("idle", 4);
  const held = [];
  for (let i = 0; i < 5; i++) held.push(fresh.pick([busy]));
  assert.equal(fresh.pick([busy, idle]).node, idle);
  held.forEach((p) => p.done());
});

Deno.test("p2c: done is idempotent; the clock measures latency when none is given", () => {
  const clock = manualClock(0);
  const balancer = p2c({ now: clock.now, random: seeded(5) });
  const a = node("a", 1);
  const b = node("b", 2);
  // a: measured by the clock at 300 ms; b: 2 ms. Calling done twice must not double-count.
  for (let i = 0; i < 10; i++) {
    const pa = balancer.pick([a]);
    clock.advance(300);
    pa.done();
    pa.done({ latencyMs: 0 });
    const pb = balancer.pick([b]);
    clock.advance(2);
    pb.done();
  }
  assert.equal(balancer.pick([a, b]).node, b);
});
