// retry(): which calls are retried, how long it waits (injected random and sleep, so the
// waits are asserted exactly without any real waiting), the budget (injected clock), the
// deadline, streams, and node avoidance through a real client.
import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";
import { newValues, runWithValues } from "../../internal/context.ts";
import { InvalidOptionError, serviceUnavailable, toConnectError } from "../../errors/mod.ts";
import { CIRCUIT_BREAKER_REASON, retry, type RetryOptions } from "../../middleware/mod.ts";
import type { Balancer } from "../../selector/mod.ts";
import { type CallRequest, type CallResponse, deadlineKey } from "../../transport/mod.ts";
import { pickFiltersKey } from "../../selector/mod.ts";
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

type Method = Parameters<typeof callRequest>[0];

/** A retry middleware with recorded sleeps and a scripted backend. */
function harness(
  script: (
    attempt: number,
    req: CallRequest,
  ) => CallResponse | Error | Promise<CallResponse | Error>,
  options: RetryOptions = {},
) {
  const sleeps: number[] = [];
  let attempts = 0;
  const call = retry({
    random: () => 0.5,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    ...options,
  })(async (req) => {
    const out = await script(++attempts, req);
    if (out instanceof Error) throw out;
    return out;
  });
  return {
    sleeps,
    attempts: () => attempts,
    reset: () => (attempts = 0, sleeps.length = 0),
    run: (method: Method = "get") => call(callRequest(method)),
  };
}

Deno.test("retries Unavailable on NO_SIDE_EFFECTS and IDEMPOTENT methods, full-jitter backoff", async () => {
  for (const method of ["get", "put"] as const) {
    const h = harness((n, req) => n < 3 ? unavailable() : unaryResponse(req, `attempt ${n}`));
    const res = await h.run(method);
    assert.ok(!res.stream);
    assert.equal(h.attempts(), 3);
    // random 0.5 × ceiling: 50 ms, then 100 ms.
    assert.deepEqual(h.sleeps, [25, 50]);
  }
});

Deno.test("never retries a method with side effects unless its operation is allowed", async () => {
  const h = harness(() => unavailable());
  await assert.rejects(h.run("post"), (e: ConnectError) => e.code === Code.Unavailable);
  assert.equal(h.attempts(), 1);
  const allowed = harness((n, req) => n < 2 ? unavailable() : unaryResponse(req), {
    operations: ["/fixture.client.v1.Echo/Post"],
  });
  await allowed.run("post");
  assert.equal(allowed.attempts(), 2);
});

Deno.test("only retryable codes are retried", async () => {
  for (
    const code of [Code.InvalidArgument, Code.DeadlineExceeded, Code.Internal, Code.NotFound]
  ) {
    const h = harness(() => new ConnectError("no", code));
    await assert.rejects(h.run("get"));
    assert.equal(h.attempts(), 1, Code[code]);
  }
  const custom = harness(
    (n, req) => n < 2 ? new ConnectError("busy", Code.ResourceExhausted) : unaryResponse(req),
    {
      codes: [Code.ResourceExhausted as number],
    },
  );
  await custom.run("get");
  assert.equal(custom.attempts(), 2);
  // A call the circuit breaker dropped stays dropped.
  const dropped = harness(() =>
    toConnectError(serviceUnavailable(CIRCUIT_BREAKER_REASON, "dropped")) as Error
  );
  await assert.rejects(dropped.run("get"));
  assert.equal(dropped.attempts(), 1);
});

Deno.test("maxAttempts bounds the attempts; the last error is returned; ceilings cap", async () => {
  let n = 0;
  const h = harness(() => new ConnectError(`fail ${++n}`, Code.Unavailable), {
    maxAttempts: 5,
    backoff: { initialMs: 100, factor: 3, maxMs: 500 },
    random: () => 1,
  });
  await assert.rejects(h.run("get"), (e: ConnectError) => e.rawMessage === "fail 5");
  assert.equal(h.attempts(), 5);
  assert.deepEqual(h.sleeps, [100, 300, 500, 500]);
});

Deno.test("the budget limits retries to a share of calls plus a floor", async () => {
  const clock = manualClock();
  const h = harness(() => unavailable(), {
    maxAttempts: 2,
    now: clock.now,
    budget: { ratio: 0.5, perSecond: 1, burst: 2 },
  });
  // Starts full (2 retries); each call earns 0.5 back.
  for (let i = 0; i < 3; i++) await assert.rejects(h.run("get"));
  // Three calls, three retries: 2 → (2.5 capped to 2) − 1 → 1.5 − 1 → 1 − 1 = 0 left.
  assert.equal(h.attempts(), 6);
  h.reset();
  await assert.rejects(h.run("get")); // 0 + 0.5: no retry
  await assert.rejects(h.run("get")); // 0.5 + 0.5 = 1: one retry
  assert.equal(h.attempts(), 3);
  h.reset();
  clock.advance(1_000); // the floor: one retry per second
  await assert.rejects(h.run("get"));
  assert.equal(h.attempts(), 2);
  // Without a budget every call may retry.
  const free = harness(() => unavailable(), { maxAttempts: 2, budget: false });
  for (let i = 0; i < 50; i++) await assert.rejects(free.run("get"));
  assert.equal(free.attempts(), 100);
});

Deno.test("never sleeps past the deadline of the call", async () => {
  const inScope = <T>(leftMs: number, fn: () => Promise<T>) => {
    const values = newValues();
    values.set(deadlineKey, Date.now() + leftMs);
    return runWithValues(values, fn);
  };
  // Wait 0.9 × 1000 ms with 100 ms left: give up at once, with the error.
  const late = harness(() => unavailable(), { backoff: { initialMs: 1_000 }, random: () => 0.9 });
  await assert.rejects(
    inScope(100, () => late.run("get")),
    (e: ConnectError) => e.code === Code.Unavailable,
  );
  assert.equal(late.attempts(), 1);
  assert.deepEqual(late.sleeps, []);
  // The same wait with a minute left is fine.
  const early = harness((n, req) => n < 2 ? unavailable() : unaryResponse(req), {
    backoff: { initialMs: 1_000 },
    random: () => 0.9,
  });
  await inScope(60_000, () => early.run("get"));
  assert.deepEqual(early.sleeps, [900]);
});

Deno.test("an aborted call stops retrying", async () => {
  const controller = new AbortController();
  let attempts = 0;
  const call = retry({ sleep: () => Promise.resolve() })(() => {
    attempts++;
    controller.abort();
    return Promise.reject(unavailable());
  });
  await assert.rejects(call(callRequest("get", { signal: controller.signal })));
  assert.equal(attempts, 1);
});

Deno.test("server streams: retried before the first message, never after", async () => {
  const before = harness((n, req) =>
    n < 2 ? streamResponse(req, [], unavailable()) : streamResponse(req, ["a", "b"])
  );
  const res = await before.run("list");
  assert.ok(res.stream);
  const got: string[] = [];
  for await (const m of res.message) got.push((m as unknown as { text: string }).text);
  assert.deepEqual(got, ["a", "b"]);
  assert.equal(before.attempts(), 2);
  // Every attempt sent the one request message.
  const sent: string[] = [];
  const resend = harness(async (n, req) => {
    assert.ok(req.stream);
    for await (const m of req.message) sent.push((m as unknown as { text: string }).text);
    return n < 3 ? unavailable() : streamResponse(req, ["ok"]);
  });
  await resend.run("list");
  assert.deepEqual(sent, ["t", "t", "t"]);

  const after = harness((_, req) => streamResponse(req, ["a"], unavailable()));
  const started = await after.run("list");
  assert.ok(started.stream);
  const seen: string[] = [];
  await assert.rejects(async () => {
    for await (const m of started.message) seen.push((m as unknown as { text: string }).text);
  }, (e: ConnectError) => e.code === Code.Unavailable);
  assert.deepEqual(seen, ["a"]);
  assert.equal(after.attempts(), 1);
});

Deno.test("client and bidi streams are never retried", async () => {
  for (const method of ["collect", "chat"] as const) {
    const h = harness(() => unavailable(), {
      operations: [`/fixture.client.v1.Echo/${method === "collect" ? "Collect" : "Chat"}`],
    });
    await assert.rejects(h.run(method));
    assert.equal(h.attempts(), 1, method);
  }
});

Deno.test("every attempt starts from the call's headers, whatever an attempt added", async () => {
  for (const method of ["get", "list"] as const) {
    const seen: [string, string][][] = [];
    const call = retry({ random: () => 0, sleep: () => Promise.resolve() })((req) => {
      const n = seen.push([...req.header]);
      // What middleware after retry() or the node's transport may do to an attempt's headers.
      req.header.append("x-attempt", String(n));
      req.header.set("x-md-global-a", `changed ${n}`);
      req.header.delete("x-keep");
      if (n < 3) return Promise.reject(unavailable());
      return Promise.resolve(method === "get" ? unaryResponse(req) : streamResponse(req, []));
    });
    const req = callRequest(method);
    req.header.set("x-keep", "k");
    req.header.append("x-md-global-a", "1");
    req.header.append("x-md-global-a", "2");
    req.header.append("set-cookie", "a=1");
    req.header.append("set-cookie", "b=2");
    const sent = [...req.header];
    const res = await call(req);
    assert.equal(res.stream, method === "list");
    assert.equal(seen.length, 3);
    for (const headers of seen) assert.deepEqual(headers, sent);
    // The retry's node filter is gone once the call is over.
    assert.deepEqual(req.contextValues.get(pickFiltersKey), []);
  }
});

Deno.test("a next that throws is an attempt that failed; a clock that throws rejects", async () => {
  let attempts = 0;
  const call = retry({ random: () => 0, sleep: () => Promise.resolve() })((req) => {
    if (++attempts < 2) throw unavailable("thrown");
    return Promise.resolve(unaryResponse(req));
  });
  const res = await call(callRequest("get"));
  assert.ok(!res.stream);
  assert.equal(attempts, 2);
  // A method that is not retried: the throw still comes back as a rejection.
  attempts = 0;
  const once = call(callRequest("post"));
  assert.ok(once instanceof Promise);
  assert.equal(attempts, 1);
  await assert.rejects(once, (e: ConnectError) => e.code === Code.Unavailable);
  let stopped = false;
  const broken = retry({
    now: () => {
      if (stopped) throw new Error("clock");
      return 0;
    },
  })(() => Promise.resolve(unaryResponse(callRequest("get"))));
  stopped = true;
  const failed = broken(callRequest("get"));
  assert.ok(failed instanceof Promise);
  await assert.rejects(failed, /clock/);
});

Deno.test("bad options are InvalidOptionErrors naming the option", () => {
  const invalid = (option: string) => (e: unknown) =>
    e instanceof InvalidOptionError && e instanceof RangeError && e.option === option &&
    e.message.startsWith("retry");
  assert.throws(() => retry({ maxAttempts: 0 }), invalid("maxAttempts"));
  assert.throws(() => retry({ maxAttempts: 1.5 }), invalid("maxAttempts"));
  assert.throws(() => retry({ backoff: { initialMs: 0 } }), invalid("backoff.initialMs"));
  assert.throws(() => retry({ backoff: { factor: 0.5 } }), invalid("backoff.factor"));
  assert.throws(() => retry({ budget: { ratio: -1 } }), RangeError);
});

/** A balancer that always takes the first candidate: only filters can change its choice. */
const first: Balancer = {
  name: "first",
  pick: (candidates) => ({ node: candidates[0], done() {} }),
  apply() {},
};

Deno.test("through a client, a retry goes to a node this call has not failed on", async () => {
  const bad = await startEcho("bad", { fail: () => unavailable("broken") });
  const good = await startEcho("good");
  const endpoint = `direct:///${new URL(bad.http).host},${new URL(good.http).host}`;
  const noop = () => Promise.resolve();
  const avoiding = createClient(Echo, {
    endpoint,
    balancer: first,
    middleware: [retry({ sleep: noop })],
  });
  const blind = createClient(Echo, {
    endpoint,
    balancer: first,
    middleware: [retry({ sleep: noop, avoidFailedNodes: false })],
  });
  try {
    for (let i = 0; i < 10; i++) assert.equal((await avoiding.get({ text: "x" })).server, "good");
    assert.equal(bad.total(), 10);
    // The control: without avoidance every attempt lands on the first node again.
    await assert.rejects(
      blind.get({ text: "x" }),
      (e: ConnectError) => e.code === Code.Unavailable,
    );
    assert.equal(bad.total(), 13);
  } finally {
    await avoiding.close();
    await blind.close();
    await bad.stop();
    await good.stop();
  }
});

Deno.test("through a client, the call's timeout bounds the retries", async () => {
  const bad = await startEcho("bad", { fail: () => unavailable("broken") });
  const sleeps: number[] = [];
  const client = createClient(Echo, {
    endpoint: bad.http,
    timeoutMs: 200,
    middleware: [
      retry({
        backoff: { initialMs: 1_000 },
        random: () => 0.5,
        sleep: (ms) => (sleeps.push(ms), Promise.resolve()),
      }),
    ],
  });
  try {
    await assert.rejects(
      client.get({ text: "x" }),
      (e: ConnectError) => e.code === Code.Unavailable,
    );
    assert.deepEqual(sleeps, [], "a 500 ms wait was started with less than 200 ms left");
    assert.equal(bad.total(), 1);
  } finally {
    await client.close();
    await bad.stop();
  }
});
