// HealthStatus on its own: lifecycle phases, per-service overrides, watches, and bad input.
import assert from "node:assert/strict";
import { HealthStatus } from "../../transport/mod.ts";

async function take<T>(it: AsyncIterator<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

Deno.test("NOT_SERVING until serving, SERVING, then NOT_SERVING from the drain on", () => {
  const h = new HealthStatus(["shop.v1.Shop"]);
  assert.equal(h.phase, "starting");
  assert.equal(h.get(), "NOT_SERVING");
  assert.equal(h.get("shop.v1.Shop"), "NOT_SERVING");
  h.markServing();
  assert.equal(h.get(), "SERVING");
  assert.deepEqual(h.list(), { "": "SERVING", "shop.v1.Shop": "SERVING" });
  h.set("shop.v1.Shop", "NOT_SERVING");
  assert.equal(h.get("shop.v1.Shop"), "NOT_SERVING");
  assert.equal(h.get(), "SERVING", "one service does not take the server down");
  h.set("shop.v1.Shop", "SERVING");
  h.markDraining();
  assert.equal(h.phase, "draining");
  assert.deepEqual(h.list(), { "": "NOT_SERVING", "shop.v1.Shop": "NOT_SERVING" });
  h.set("shop.v1.Shop", "SERVING");
  assert.equal(h.get("shop.v1.Shop"), "NOT_SERVING", "a drain is not undone by set()");
});

Deno.test("unknown services are undefined until set", () => {
  const h = new HealthStatus();
  h.markServing();
  assert.equal(h.get("late.v1.Service"), undefined);
  h.set("late.v1.Service", "SERVING");
  assert.equal(h.get("late.v1.Service"), "SERVING");
});

Deno.test("bad input is a TypeError naming the problem", () => {
  const h = new HealthStatus();
  assert.throws(
    () => h.set("x", "DOWN" as never),
    /status must be "SERVING" or "NOT_SERVING", got "DOWN"/,
  );
  assert.throws(() => h.set(42 as never, "SERVING"), /service name must be a string, got number/);
  assert.throws(() => h.watch(undefined as never), TypeError);
  assert.throws(() => new HealthStatus([null as never]), TypeError);
});

Deno.test("a watch reports the current status, then each change once", async () => {
  const h = new HealthStatus(["a.A"]);
  const it = h.watch("a.A")[Symbol.asyncIterator]();
  assert.deepEqual(await take(it, 1), ["NOT_SERVING"]);
  h.markServing();
  h.set("a.A", "SERVING"); // no change: not reported
  h.set("a.A", "NOT_SERVING");
  h.set("a.A", "SERVING");
  assert.deepEqual(await take(it, 3), ["SERVING", "NOT_SERVING", "SERVING"]);
  assert.equal(h.watching, 1);
  await it.return!();
  assert.equal(h.watching, 0);
});

Deno.test("watching an unknown service reports SERVICE_UNKNOWN and keeps watching", async () => {
  const h = new HealthStatus();
  h.markServing();
  const it = h.watch("late.v1.Service")[Symbol.asyncIterator]();
  assert.deepEqual(await take(it, 1), ["SERVICE_UNKNOWN"]);
  const next = it.next();
  h.set("late.v1.Service", "SERVING");
  assert.deepEqual(await next, { done: false, value: "SERVING" });
  await it.return!();
});

Deno.test("endWatches delivers what is pending, then ends every watch", async () => {
  const h = new HealthStatus();
  h.markServing();
  const it = h.watch("")[Symbol.asyncIterator]();
  h.markDraining();
  h.endWatches();
  assert.deepEqual(await take(it, 5), ["SERVING", "NOT_SERVING"]);
  assert.deepEqual(await it.next(), { done: true, value: undefined });
  // A watch starting after the end still tells the truth once, then ends.
  assert.deepEqual(await take(h.watch("")[Symbol.asyncIterator](), 5), ["NOT_SERVING"]);
});

Deno.test("an aborted signal ends a watch", async () => {
  const h = new HealthStatus();
  const controller = new AbortController();
  const it = h.watch("", controller.signal)[Symbol.asyncIterator]();
  assert.deepEqual(await take(it, 1), ["NOT_SERVING"]);
  const next = it.next();
  controller.abort();
  assert.deepEqual(await next, { done: true, value: undefined });
  assert.equal(h.watching, 0);
});

Deno.test("a watcher far behind gets the latest status, not an unbounded backlog", async () => {
  const h = new HealthStatus(["a.A"]);
  h.markServing();
  const it = h.watch("a.A")[Symbol.asyncIterator]();
  for (let i = 0; i < 100; i++) h.set("a.A", i % 2 === 0 ? "NOT_SERVING" : "SERVING");
  h.set("a.A", "NOT_SERVING");
  h.endWatches();
  const seen = await take(it, 200);
  assert.ok(seen.length <= 33, `${seen.length} statuses queued`);
  assert.equal(seen.at(-1), "NOT_SERVING");
});
