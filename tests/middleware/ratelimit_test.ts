// Rate limiting, deterministic throughout: the BBR limiter driven by fake CPU readings and a
// fake clock (aegis's rule step by step), the CPU sampler's EWMA on fake readings, token buckets
// on a fake clock, and real servers shedding calls with 429 / ResourceExhausted.
import assert from "node:assert/strict";
import { Code, ConnectError, createClient, type HandlerContext } from "@connectrpc/connect";
import { createBbrLimiter, processCpuSampler, ratelimit } from "../../middleware/mod.ts";
import { backgroundCpuSampler } from "../../middleware/ratelimit/cpu.ts";
import type { BbrOptions, Done } from "../../middleware/ratelimit/bbr.ts";
import { TokenBuckets } from "../../middleware/ratelimit/token_bucket.ts";
import { code, fromError, reason } from "../../errors/mod.ts";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { startServers, transports } from "../support/servers.ts";

/** A BBR limiter on a fake clock (ms) and a settable CPU reading (per-mille). */
function fakeBbr(options: Omit<BbrOptions, "cpu" | "now"> = {}) {
  const env = { t: 0, cpu: 0 };
  const limiter = createBbrLimiter({ ...options, cpu: () => env.cpu, now: () => env.t });
  return { env, limiter };
}

/** Runs `n` concurrent calls starting at `startMs` that all finish `rtMs` later. */
function calls(f: ReturnType<typeof fakeBbr>, startMs: number, n: number, rtMs: number) {
  f.env.t = startMs;
  const held: Done[] = [];
  for (let i = 0; i < n; i++) {
    const done = f.limiter.allow();
    assert.ok(done, "history calls are admitted");
    held.push(done);
  }
  f.env.t = startMs + rtMs;
  for (const done of held) done();
}

Deno.test("BBR: below the CPU threshold nothing is shed, however many calls are in flight", () => {
  const f = fakeBbr();
  f.env.cpu = 799;
  const held: Done[] = [];
  for (let i = 0; i < 1000; i++) {
    const done = f.limiter.allow();
    assert.ok(done, `call ${i}`);
    held.push(done);
  }
  assert.equal(f.limiter.stat().inFlight, 1000);
  for (const d of held) d();
  assert.equal(f.limiter.stat().inFlight, 0);
});

Deno.test("BBR: maxInFlight = floor(maxPass × minRT × buckets/s / 1000 + 0.5) over completed buckets", () => {
  // 1 s window in 10 buckets of 100 ms: 10 buckets per second.
  const f = fakeBbr({ windowMs: 1000, buckets: 10 });
  calls(f, 0, 20, 4); // bucket 0: 20 passes, 4 ms each
  calls(f, 100, 10, 9); // bucket 1: 10 passes, 9 ms each
  calls(f, 200, 50, 2); // bucket 2: still filling at t = 202, so left out
  let s = f.limiter.stat();
  assert.equal(s.maxPass, 20, "the busiest completed bucket");
  assert.equal(s.minRtMs, 4, "the lowest average latency of a completed bucket");
  assert.equal(s.maxInFlight, 1, "floor(20 × 4 × 10 / 1000 + 0.5) = floor(1.3)");
  f.env.t = 300; // bucket 2 complete
  s = f.limiter.stat();
  assert.deepEqual(
    [s.maxPass, s.minRtMs, s.maxInFlight],
    [50, 2, 1],
    "floor(50 × 2 × 10 / 1000 + 0.5)",
  );
  // Fractional latencies: the average rounds up to whole ms, at least 1.
  calls(f, 300, 400, 0.25);
  f.env.t = 400;
  s = f.limiter.stat();
  assert.deepEqual(
    [s.maxPass, s.minRtMs, s.maxInFlight],
    [400, 1, 4],
    "floor(400 × 1 × 10 / 1000 + 0.5)",
  );
  // Buckets age out: at t = 1350 the window's completed buckets are 4..12, all empty.
  f.env.t = 1_350;
  s = f.limiter.stat();
  assert.deepEqual(
    [s.maxPass, s.minRtMs, s.maxInFlight],
    [1, 1, 0],
    "an empty window reads 1 and 1",
  );
});

Deno.test("BBR: above the threshold, sheds once in flight > max(1, maxInFlight); cool-down holds 1 s", () => {
  const f = fakeBbr({ windowMs: 1000, buckets: 10 });
  for (const start of [0, 100, 200]) calls(f, start, 10, 10); // 10 passes of 10 ms a bucket
  f.env.t = 350;
  assert.equal(f.limiter.stat().maxInFlight, Math.floor((10 * 10 * 10) / 1000 + 0.5)); // 1
  f.env.cpu = 900;
  const a = f.limiter.allow();
  const b = f.limiter.allow();
  assert.ok(a && b, "in flight ≤ 1 when each was checked");
  assert.equal(f.limiter.allow(), undefined, "2 in flight > maxInFlight 1: shed");
  // CPU falls, but within the cool-down the in-flight check still applies.
  f.env.cpu = 100;
  f.env.t = 350 + 999;
  assert.equal(f.limiter.allow(), undefined, "cool-down: still shedding");
  a!();
  const c = f.limiter.allow();
  assert.ok(c, "in flight back to 1: admitted even in the cool-down");
  f.env.t = 350 + 1001; // the cool-down counts from the first drop
  const d = f.limiter.allow();
  const e = f.limiter.allow();
  assert.ok(d && e, "after the cool-down, low CPU admits everything again");
  // High CPU again with little history: the window now holds the last second only.
  f.env.cpu = 1000;
  assert.equal(f.limiter.allow(), undefined);
  for (const done of [b!, c, d, e]) done();
  assert.ok(f.limiter.allow(), "nothing in flight: admitted whatever the CPU");
});

Deno.test("BBR: a call's done() counts once", () => {
  const f = fakeBbr({ windowMs: 1000, buckets: 10 });
  const done = f.limiter.allow()!;
  done();
  done();
  assert.equal(f.limiter.stat().inFlight, 0);
  f.env.t = 150;
  assert.equal(f.limiter.stat().maxPass, 1);
});

Deno.test("CPU sampler: per-mille of one core, EWMA 0.95 per 500 ms, refreshed lazily", () => {
  let t = 0;
  let used = 0; // µs of CPU
  const sample = processCpuSampler({ now: () => t, usage: () => ({ user: used, system: 0 }) })!;
  assert.equal(sample(), 0);
  t = 400;
  used = 400_000; // 400 ms of CPU in 400 ms of wall time: too early to sample
  assert.equal(sample(), 0);
  t = 500;
  used = 500_000; // one core busy for 500 ms: 1000 ‰
  assert.equal(sample(), 1000 * (1 - 0.95));
  t = 1_500;
  used = 750_000; // 250 ms over the next 1000 ms: 250 ‰, two intervals of decay
  const expected = 50 * 0.95 ** 2 + 250 * (1 - 0.95 ** 2);
  assert.ok(Math.abs(sample() - expected) < 1e-9);
  t = 2_000;
  used = 750_000 + 2_000_000; // 4 cores' worth: capped at 1000 ‰
  assert.ok(Math.abs(sample() - (expected * 0.95 + 1000 * 0.05)) < 1e-9);
  const twoCores = processCpuSampler({
    cores: 2,
    now: () => t,
    usage: () => ({ user: used, system: 0 }),
  })!;
  t += 500;
  used += 500_000;
  assert.ok(Math.abs(twoCores() - 500 * 0.05) < 1e-9, "one busy core of two is 500 ‰");
  assert.throws(() => processCpuSampler({ decay: 1 }), RangeError);
});

Deno.test("CPU sampler: the background one samples on its own timer, which holds nothing open", async () => {
  // A process that is always one core busy: the reading climbs from 0 on each tick.
  const sample = backgroundCpuSampler({
    intervalMs: 2,
    usage: () => ({ user: performance.now() * 1000, system: 0 }),
  })!;
  assert.equal(sample(), 0, "nothing sampled before the first tick");
  for (let i = 0; i < 500 && sample() === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const v = sample();
  assert.ok(v > 0 && v <= 1000, `reading ${v} after a tick`);
  // The timer is never cleared: an unref'd one neither fails the op sanitizer nor keeps the
  // test process alive.
});

Deno.test("CPU sampler: this runtime reports process CPU time", () => {
  // Deno, Node and Bun all implement process.cpuUsage; only Workers lack it.
  const sample = processCpuSampler({ intervalMs: 1 });
  assert.ok(sample !== undefined);
  const start = performance.now();
  let x = 0;
  while (performance.now() - start < 5) x++;
  const v = sample();
  // The gauge starts at 0 and is clamped to [0, 1000]: only a reading above 0 shows the
  // runtime's CPU time was actually read (5 ms of spinning is about 230 ‰ on an idle core).
  assert.ok(v > 0 && v <= 1000, `reading ${v} within (0, 1000] after ${x} spins`);
});

Deno.test("token buckets: burst, refill on a fake clock, independent keys, bounded key count", () => {
  let t = 0;
  const buckets = new TokenBuckets({ rate: 2, burst: 3, now: () => t, maxKeys: 100 });
  assert.deepEqual([0, 1, 2, 3].map(() => buckets.take("a")), [0, 0, 0, 500]);
  assert.equal(buckets.take("b"), 0, "another key has its own bucket");
  t = 250;
  assert.equal(buckets.take("a"), 250, "half a token: 250 ms to go");
  t = 500;
  assert.equal(buckets.take("a"), 0, "one token earned in 500 ms at 2/s");
  t = 100_000;
  assert.deepEqual([0, 1, 2, 3].map(() => buckets.take("a")), [0, 0, 0, 500], "capped at burst");
  // A flood of new keys past maxKeys: refilled and fullest keys go, a drained one stays.
  const small = new TokenBuckets({ rate: 1, burst: 3, now: () => t, maxKeys: 10 });
  for (let i = 0; i < 3; i++) small.take("hot");
  for (let i = 0; i < 30; i++) small.take(`tenant-${i}`);
  assert.ok(small.size <= 10, `at most maxKeys tracked, got ${small.size}`);
  assert.equal(small.take("hot"), 1000, "the drained key was not forgotten (no free refill)");
});

Deno.test("token buckets: invalid settings are RangeErrors", () => {
  assert.throws(() => new TokenBuckets({ rate: 0, burst: 1 }), RangeError);
  assert.throws(() => new TokenBuckets({ rate: 1, burst: 0.5 }), RangeError);
  assert.throws(() => new TokenBuckets({ rate: 1, burst: 1, maxKeys: 0 }), RangeError);
  assert.throws(() => ratelimit.tokenBucket({ rate: 1, burst: 1, key: "x" as never }), TypeError);
  assert.throws(() => ratelimit({ cpuThreshold: 1200 }), RangeError);
  assert.throws(() => ratelimit({ buckets: 1 }), RangeError);
});

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => resolve = r);
  return { promise, resolve };
}

Deno.test("ratelimit on real servers: an overloaded server sheds with 429 / ResourceExhausted", async () => {
  // CPU pinned at 95 % and a clock that stands still, so every call lands in the current bucket
  // and the history stays empty: maxInFlight is 0, and with 2 calls in flight a third is shed.
  // The held calls wait on a gate; `entered` says when both are inside.
  let gate = deferred();
  let entered = deferred();
  let inside = 0;
  const servers = await startServers([[Greeter, {
    async sayHello(req: { name: string }) {
      if (req.name === "hold") {
        if (++inside === 2) entered.resolve();
        await gate.promise;
      }
      return { message: `hi ${req.name}` };
    },
  }]], [ratelimit({ cpu: () => 950, now: () => 0 })]);
  const reset = () => {
    gate = deferred();
    entered = deferred();
    inside = 0;
  };
  try {
    for (const [protocol, transport] of Object.entries(transports(servers))) {
      reset();
      const client = createClient(Greeter, transport);
      const held = [client.sayHello({ name: "hold" }), client.sayHello({ name: "hold" })];
      await entered.promise;
      const err = await client.sayHello({ name: "third" }).then(() => undefined, (e) => e);
      assert.equal(ConnectError.from(err).code, Code.ResourceExhausted, protocol);
      assert.equal(code(err), 429, protocol);
      assert.equal(reason(err), "RATELIMIT", protocol);
      assert.match(fromError(err).message, /rate limit exceeded/);
      gate.resolve();
      assert.deepEqual((await Promise.all(held)).map((r) => r.message), ["hi hold", "hi hold"]);
      assert.equal((await client.sayHello({ name: "after" })).message, "hi after", protocol);
    }
    reset();
    const held = [
      fetch(`${servers.http}/helloworld/hold`),
      fetch(`${servers.http}/helloworld/hold`),
    ];
    await entered.promise;
    const shed = await fetch(`${servers.http}/helloworld/third`);
    assert.equal(shed.status, 429, "REST answers the plain HTTP status");
    assert.equal((await shed.json()).reason, "RATELIMIT");
    gate.resolve();
    for (const r of await Promise.all(held)) assert.equal(r.status, (await r.text(), 200));
  } finally {
    gate.resolve();
    await servers.close();
  }
});

Deno.test("ratelimit.tokenBucket on real servers: a quota per tenant, retry_after_ms in metadata", async () => {
  let t = 0;
  const servers = await startServers([[Greeter, { sayHello: () => ({ message: "ok" }) }]], [
    ratelimit.tokenBucket({
      rate: 1,
      burst: 2,
      now: () => t,
      key: (req) => req.header.get("x-tenant") ?? "anonymous",
    }),
  ]);
  try {
    for (const [protocol, transport] of Object.entries(transports(servers))) {
      const client = createClient(Greeter, transport);
      const call = (tenant: string) =>
        client.sayHello({}, { headers: { "x-tenant": `${protocol}-${tenant}` } }).then(
          (r) => r.message,
          (e) => fromError(e),
        );
      assert.equal(await call("a"), "ok");
      assert.equal(await call("a"), "ok");
      const over = await call("a");
      assert.ok(typeof over !== "string", `${protocol}: third call over quota`);
      assert.equal(over.code, 429);
      assert.equal(over.reason, "RATELIMIT");
      assert.equal(over.metadata.retry_after_ms, "1000");
      assert.equal(await call("b"), "ok", "another tenant is unaffected");
      t += 1000;
      assert.equal(await call("a"), "ok", "a token earned after a second");
    }
  } finally {
    await servers.close();
  }
});

Deno.test("ratelimit: a custom limiter, and streams admitted but not counted", async () => {
  let admitted = 0;
  let open = 0;
  let shed = false;
  const limiter = {
    allow() {
      if (shed) return undefined;
      admitted++;
      open++;
      return () => void open--;
    },
  };
  let release = deferred();
  const servers = await startServers([[Greeter, {
    sayHello: () => ({ message: "ok" }),
    async *sayHelloStream(_: unknown, ctx: HandlerContext) {
      yield { message: `open=${open}` };
      await Promise.race([
        release.promise,
        new Promise((r) => ctx.signal.addEventListener("abort", r)),
      ]);
      yield { message: "end" };
    },
  }]], [ratelimit({ limiter })]);
  try {
    const client = createClient(Greeter, transports(servers).grpc);
    assert.equal((await client.sayHello({})).message, "ok");
    assert.equal(open, 0, "a unary call is done when it replied");
    const it = client.sayHelloStream({})[Symbol.asyncIterator]();
    assert.equal((await it.next()).value?.message, "open=0", "a stream does not hold a slot");
    release.resolve();
    assert.equal((await it.next()).value?.message, "end");
    assert.equal((await it.next()).done, true);
    assert.equal(admitted, 2);
    shed = true;
    release = deferred();
    const err = await (async () => {
      for await (const _ of client.sayHelloStream({})) { /* drain */ }
    })().then(() => undefined, (e) => e);
    assert.equal(reason(err), "RATELIMIT", "streams are shed like unary calls");
  } finally {
    release.resolve();
    await servers.close();
  }
});
