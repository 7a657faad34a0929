// circuitBreaker(): SRE adaptive throttling with an injected clock and random source, so every
// count below is exact; and per-node breakers steering a real client's picks.
import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";
import { fromError } from "../../errors/mod.ts";
import { CIRCUIT_BREAKER_REASON, circuitBreaker, retry } from "../../middleware/mod.ts";
import type { Next } from "../../transport/mod.ts";
import { createClient } from "../../transport/client/mod.ts";
import { manualClock } from "../support/selector.ts";
import { Echo } from "../client/proto/gen/fixture/client/v1/echo_pb.ts";
import {
  callRequest,
  startEcho,
  streamResponse,
  unaryResponse,
  unavailable,
} from "../support/client.ts";

/** Calls the breaker `n` times with `outcome`; returns how many reached the backend. */
async function drive(
  call: Next,
  n: number,
  method: "get" | "put" = "get",
): Promise<{ reached: number; dropped: number }> {
  let dropped = 0;
  const before = reached;
  for (let i = 0; i < n; i++) {
    try {
      await call(callRequest(method));
    } catch (error) {
      if (fromError(error).reason === CIRCUIT_BREAKER_REASON) dropped++;
    }
  }
  return { reached: reached - before, dropped };
}

let reached = 0;
function backend(outcome: () => Error | undefined): Next {
  return (req) => {
    reached++;
    const error = outcome();
    return error ? Promise.reject(error) : Promise.resolve(unaryResponse(req));
  };
}

Deno.test("opens under server failures: past `request` calls, drops fail fast", async () => {
  const clock = manualClock();
  const call = circuitBreaker({ now: clock.now, random: () => 0.5 })(backend(() => unavailable()));
  // Below the request threshold (100) nothing is dropped, whatever fails.
  assert.deepEqual(await drive(call, 100), { reached: 100, dropped: 0 });
  // Now total 100, accepts 0: drop ratio 100/101 > 0.5, so the draw drops every call.
  assert.deepEqual(await drive(call, 50), { reached: 0, dropped: 50 });
  const err = await call(callRequest("get")).then(() => undefined, (e) => e);
  assert.ok(err instanceof ConnectError);
  assert.equal(err.code, Code.Unavailable);
  assert.equal(fromError(err).code, 503);
  assert.match(err.rawMessage, /\/fixture.client.v1.Echo\/Get dropped by the circuit breaker/);
});

Deno.test("client errors and cancellations never open it", async () => {
  const clock = manualClock();
  const errors = [Code.InvalidArgument, Code.NotFound, Code.PermissionDenied, Code.Canceled];
  let i = 0;
  const call = circuitBreaker({ now: clock.now, random: () => 0 })(
    backend(() => new ConnectError("client mistake", errors[i++ % errors.length])),
  );
  assert.deepEqual(await drive(call, 400), { reached: 400, dropped: 0 });
});

Deno.test("failures within the success ratio are tolerated; beyond it drops grow", async () => {
  const clock = manualClock();
  let n = 0;
  let failEvery = 4; // 25 % failures: accepts·K = 0.75·1.67 > 1, never dropped
  const call = circuitBreaker({ now: clock.now, random: () => 0.01 })(
    backend(() => (++n % failEvery === 0 ? unavailable() : undefined)),
  );
  assert.deepEqual(await drive(call, 1000), { reached: 1000, dropped: 0 });
  clock.advance(3_000); // a fresh window
  failEvery = 1; // every call fails: once past 100 calls, drops begin
  const { dropped } = await drive(call, 300);
  assert.ok(dropped > 0, "nothing dropped although every call failed");
});

Deno.test("recovers: once failures leave the window, calls flow again", async () => {
  const clock = manualClock();
  let failing = true;
  const call = circuitBreaker({ now: clock.now, random: () => 0.5 })(
    backend(() => (failing ? unavailable() : undefined)),
  );
  await drive(call, 100);
  assert.equal((await drive(call, 10)).dropped, 10);
  failing = false;
  clock.advance(3_000); // the window (3 s, 10 buckets) has moved past every failure
  assert.deepEqual(await drive(call, 200), { reached: 200, dropped: 0 });
});

Deno.test("one breaker per operation", async () => {
  const clock = manualClock();
  const failGet = true;
  const call = circuitBreaker({ now: clock.now, random: () => 0.5 })(
    (req) => {
      reached++;
      return req.method.localName === "get" && failGet
        ? Promise.reject(unavailable())
        : Promise.resolve(unaryResponse(req));
    },
  );
  await drive(call, 100, "get");
  assert.equal((await drive(call, 5, "get")).dropped, 5);
  assert.deepEqual(await drive(call, 50, "put"), { reached: 50, dropped: 0 });
});

Deno.test("a stream counts when it ends: a failure mid-stream is a failure", async () => {
  const clock = manualClock();
  const call = circuitBreaker({ now: clock.now, random: () => 0.5, request: 10 })(
    (req) => Promise.resolve(streamResponse(req, ["a"], unavailable())),
  );
  for (let i = 0; i < 10; i++) {
    const res = await call(callRequest("list"));
    assert.ok(res.stream);
    await assert.rejects(async () => {
      for await (const _ of res.message) { /* drain */ }
    });
  }
  const err = await call(callRequest("list")).then(() => undefined, (e) => e);
  assert.equal(fromError(err).reason, CIRCUIT_BREAKER_REASON);
});

Deno.test("bad options are RangeErrors", () => {
  assert.throws(() => circuitBreaker({ success: 0 }), RangeError);
  assert.throws(() => circuitBreaker({ success: 1.5 }), RangeError);
  assert.throws(() => circuitBreaker({ windowMs: 0 }), RangeError);
  assert.throws(() => circuitBreaker({ buckets: 1.5 }), RangeError);
  assert.throws(() => circuitBreaker({ request: -1 }), RangeError);
});

Deno.test("perNode: a failing node is skipped by the pick", async () => {
  const bad = await startEcho("bad", { fail: () => unavailable("broken node") });
  const good = await startEcho("good");
  const clock = manualClock();
  const client = createClient(Echo, {
    endpoint: `direct:///${new URL(bad.http).host},${new URL(good.http).host}`,
    middleware: [circuitBreaker({ perNode: true, request: 10, now: clock.now, random: () => 0.5 })],
  });
  try {
    let failed = 0;
    for (let i = 0; i < 20; i++) await client.get({ text: "x" }).catch(() => failed++);
    // wrr alternates: the bad node took 10 calls, then its breaker opened.
    assert.equal(bad.total(), 10);
    assert.equal(failed, 10);
    for (let i = 0; i < 30; i++) assert.equal((await client.get({ text: "x" })).server, "good");
    assert.equal(bad.total(), 10);
  } finally {
    await client.close();
    await bad.stop();
    await good.stop();
  }
});

Deno.test("perNode after retry(): the retry of a call avoids the node that failed it", async () => {
  const bad = await startEcho("bad", { fail: () => unavailable("broken node") });
  const good = await startEcho("good");
  const clock = manualClock();
  const client = createClient(Echo, {
    endpoint: `direct:///${new URL(bad.http).host},${new URL(good.http).host}`,
    middleware: [
      retry({ sleep: () => Promise.resolve() }),
      circuitBreaker({ perNode: true, request: 10, now: clock.now, random: () => 0.5 }),
    ],
  });
  try {
    for (let i = 0; i < 40; i++) assert.equal((await client.get({ text: "x" })).server, "good");
    assert.ok(bad.total() <= 10, `the bad node got ${bad.total()} calls`);
  } finally {
    await client.close();
    await bad.stop();
    await good.stop();
  }
});

Deno.test("perNode: when every node is open the call is dropped with the breaker's reason", async () => {
  const bad = await startEcho("bad", { fail: () => unavailable("broken node") });
  const clock = manualClock();
  const client = createClient(Echo, {
    endpoint: bad.http,
    middleware: [circuitBreaker({ perNode: true, request: 5, now: clock.now, random: () => 0.5 })],
  });
  try {
    for (let i = 0; i < 5; i++) await client.get({ text: "x" }).catch(() => {});
    const err = await client.get({ text: "x" }).then(() => undefined, (e) => e);
    assert.equal(ConnectError.from(err).code, Code.Unavailable);
    assert.equal(fromError(err).reason, CIRCUIT_BREAKER_REASON);
    assert.equal(bad.total(), 5);
  } finally {
    await client.close();
    await bad.stop();
  }
});

Deno.test("a next that throws, or a clock that throws, rejects the call's promise", async () => {
  const clock = manualClock();
  const call = circuitBreaker({ request: 0, now: clock.now, random: () => 0 })(() => {
    throw unavailable("thrown");
  });
  const pending = call(callRequest("get"));
  assert.ok(pending instanceof Promise);
  await assert.rejects(pending, (e: ConnectError) => e.code === Code.Unavailable);
  // The thrown failure counted against the backend: with request 0 the breaker now drops.
  const dropped = call(callRequest("get"));
  await assert.rejects(dropped, (e) => fromError(e).reason === CIRCUIT_BREAKER_REASON);
  const broken = circuitBreaker({
    now: () => {
      throw new Error("clock");
    },
  })(backend(() => undefined));
  const failed = broken(callRequest("get"));
  assert.ok(failed instanceof Promise);
  await assert.rejects(failed, /clock/);
});
