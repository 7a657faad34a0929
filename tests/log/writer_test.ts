// Writes never wait for the sink: a stalled sink fills a bounded buffer, further lines are
// dropped and counted, and a notice reports the count once the sink catches up. No timing: the
// sink is stalled on a promise the test releases.
import assert from "node:assert/strict";
import { createLogger, type Sink } from "../../log/mod.ts";

// A sink that holds every write until released, and says when the first write arrived.
function stalledSink() {
  const received: string[] = [];
  const { promise: release, resolve: open } = Promise.withResolvers<void>();
  const { promise: firstWrite, resolve: arrived } = Promise.withResolvers<void>();
  const sink: Sink = (line) => {
    received.push(line);
    arrived();
    return release;
  };
  return { sink, received, open, firstWrite };
}

Deno.test("a stalled sink never blocks log(), memory stays bounded, drops are counted", async () => {
  const { sink, received, open, firstWrite } = stalledSink();
  const logger = createLogger({ sink, maxBufferedLines: 4 });
  for (let i = 0; i < 10; i++) logger.log("info", "n", i); // returns at once: nothing awaited
  assert.deepEqual(logger.stats(), { written: 0, dropped: 6, failed: 0, pending: 4 });
  await firstWrite;
  assert.deepEqual(received, ["level=INFO n=0"], "the sink holds the first line");
  for (let i = 10; i < 20; i++) logger.log("info", "n", i);
  assert.deepEqual(logger.stats(), { written: 0, dropped: 16, failed: 0, pending: 4 });
  open();
  await logger.flush();
  assert.deepEqual(received, [
    "level=INFO n=0",
    "level=INFO n=1",
    "level=INFO n=2",
    "level=INFO n=3",
    'level=WARN msg="log buffer full, lines dropped" dropped=16',
  ]);
  assert.deepEqual(logger.stats(), { written: 5, dropped: 16, failed: 0, pending: 0 });
  logger.log("info", "n", "after");
  await logger.flush();
  assert.equal(received.at(-1), "level=INFO n=after", "writes resume once the sink catches up");
});

Deno.test("flush gives up when its signal aborts, and a later flush completes", async () => {
  const { sink, received, open, firstWrite } = stalledSink();
  const logger = createLogger({ sink });
  logger.log("info", "a", 1);
  await firstWrite;
  const controller = new AbortController();
  const flushed = logger.flush(controller.signal);
  controller.abort();
  await flushed;
  assert.equal(logger.stats().pending, 1, "still stalled after the aborted flush");
  await logger.flush(AbortSignal.abort()); // already aborted: returns at once
  open();
  await logger.flush();
  assert.deepEqual(received, ["level=INFO a=1"]);
  assert.equal(logger.stats().pending, 0);
});

Deno.test("a failing sink loses its batch, reports it, and keeps the logger working", async () => {
  const errors: unknown[] = [];
  let fail = true;
  const received: string[] = [];
  const logger = createLogger({
    sink: (line) => {
      if (fail) return Promise.reject(new Error("disk full"));
      received.push(line);
    },
    onError: (e) => errors.push(e),
  });
  logger.log("info", "a", 1);
  await logger.flush();
  fail = false;
  logger.log("info", "a", 2);
  await logger.flush();
  assert.deepEqual(received, ["level=INFO a=2"]);
  assert.equal((errors[0] as Error).message, "disk full");
  assert.deepEqual(logger.stats(), { written: 1, dropped: 0, failed: 1, pending: 0 });
});

Deno.test("many lines logged in one task all reach the sink, in order", async () => {
  const received: string[] = [];
  const logger = createLogger({ sink: (l) => void received.push(l), format: "json" });
  for (let i = 0; i < 100; i++) logger.log("debug", "i", i);
  await logger.flush();
  assert.deepEqual(received, Array.from({ length: 100 }, (_, i) => `{"level":"DEBUG","i":${i}}`));
});

Deno.test("discard writes nothing; standard streams accept lines", async () => {
  const d = createLogger({ sink: "discard" });
  d.log("info", "a", 1);
  await d.flush();
  assert.deepEqual(d.stats(), { written: 0, dropped: 0, failed: 0, pending: 0 });
  const out = createLogger({ sink: "stderr" });
  out.log("debug", "msg", "log writer_test: stderr sink works");
  await out.flush();
  assert.deepEqual(out.stats(), { written: 1, dropped: 0, failed: 0, pending: 0 });
});

Deno.test("bad writer options are rejected with typed errors", () => {
  const cases: [() => unknown, ErrorConstructor, RegExp][] = [
    [
      () => createLogger({ maxBufferedLines: 0 }),
      RangeError,
      /maxBufferedLines must be a positive integer, got 0/,
    ],
    [() => createLogger({ maxBufferedLines: 1.5 }), RangeError, /got 1.5/],
    [() => createLogger({ format: "xml" as "json" }), TypeError, /unknown format "xml"/],
    [() => createLogger({ sink: "stdin" as "stdout" }), TypeError, /unknown sink "stdin"/],
  ];
  for (const [fn, type, message] of cases) {
    assert.throws(fn, (e: unknown) => {
      assert.ok(e instanceof type, String(e));
      assert.match((e as Error).message, message);
      return true;
    });
  }
});

Deno.test("a synchronous sink gets a turn's lines without waiting, and flush is immediate", async () => {
  const received: string[] = [];
  const logger = createLogger({ sink: (l) => void received.push(l) });
  logger.log("info", "a", 1);
  logger.log("info", "a", 2);
  assert.deepEqual(received, [], "lines leave after the current turn, not during it");
  await Promise.resolve();
  assert.deepEqual(received, ["level=INFO a=1", "level=INFO a=2"]);
  logger.log("info", "a", 3);
  await logger.flush();
  assert.deepEqual(received.length, 3);
  assert.deepEqual(logger.stats(), { written: 3, dropped: 0, failed: 0, pending: 0 });
});

Deno.test("a sink that throws (even undefined) and an onError that throws never wedge it", async () => {
  let mode: "throw" | "throw-undefined" | "ok" = "throw";
  const received: string[] = [];
  const errors: unknown[] = [];
  const logger = createLogger({
    sink: (line) => {
      if (mode === "throw") throw new Error("sink broke");
      if (mode === "throw-undefined") throw undefined;
      received.push(line);
    },
    onError: (e) => {
      errors.push(e);
      throw new Error("the error handler broke too");
    },
  });
  logger.log("info", "a", 1);
  await logger.flush();
  mode = "throw-undefined";
  logger.log("info", "a", 2);
  await logger.flush();
  mode = "ok";
  logger.log("info", "a", 3);
  await logger.flush();
  assert.deepEqual(received, ["level=INFO a=3"]);
  assert.equal(errors.length, 2);
  assert.match(String(errors[1]), /log sink failed/);
  assert.deepEqual(logger.stats(), { written: 1, dropped: 0, failed: 2, pending: 0 });
});

Deno.test({
  name: "a batch window holds lines until it ends, a quarter-full buffer, or flush()",
  sanitizeOps: true,
  fn: async () => {
    const received: string[] = [];
    const logger = createLogger({
      sink: (l) => void received.push(l),
      batchWindowMs: 60_000,
      maxBufferedLines: 8,
    });
    const turn = () => new Promise((r) => setTimeout(r, 0));
    logger.log("info", "n", 1);
    await turn();
    assert.deepEqual(received, [], "held for the window");
    await logger.flush();
    assert.deepEqual(received, ["level=INFO n=1"], "flush writes at once");
    logger.log("info", "n", 2);
    logger.log("info", "n", 3);
    await turn();
    assert.deepEqual(received.slice(1), ["level=INFO n=2", "level=INFO n=3"], "quarter full");
    assert.throws(() => createLogger({ batchWindowMs: -1 }), RangeError);
  },
});
