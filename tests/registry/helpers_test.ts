// The pieces under the adapters: NDJSON framing, backoff pacing, etcd prefix ranges, and the
// shared watcher's delivery contract.
import assert from "node:assert/strict";
import fc from "fast-check";
import { backoff, sleep } from "../../internal/backoff.ts";
import { InvalidOptionError } from "../../internal/options.ts";
import { IdleTimeoutError, NdjsonParseError, readNdjson } from "../../internal/ndjson.ts";
import { fromBase64, toBase64 } from "../../internal/base64.ts";
import { prefixEnd } from "../../internal/etcd/mod.ts";
import { RegistryError, type RegistryEvent, type ServiceInstance } from "../../registry/mod.ts";
import { keepAlive, KeeperSet } from "../../registry/keeper.ts";
import { eventually } from "../support/wait.ts";
import { type Publish, startWatcher, WatcherSet } from "../../registry/watcher.ts";

const streamOf = (chunks: string[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
      controller.close();
    },
  });

async function collect(body: ReadableStream<Uint8Array>, idleMs?: number): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const v of readNdjson(body, { idleMs })) out.push(v);
  return out;
}

Deno.test("ndjson: any split of the bytes yields the same values", async () => {
  const values = [{ a: 1 }, { b: "é\n" }, [1, 2], "x", { result: { events: [] } }];
  const text = values.map((v) => JSON.stringify(v)).join("\n") + "\n";
  await fc.assert(
    fc.asyncProperty(fc.array(fc.nat(text.length), { maxLength: 8 }), async (cuts) => {
      // Split on byte offsets, so multi-byte characters can be cut in half too.
      const bytes = new TextEncoder().encode(text);
      const points = [...new Set([0, ...cuts.map((c) => c % bytes.length), bytes.length])].sort(
        (a, b) => a - b,
      );
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 1; i < points.length; i++) {
            controller.enqueue(bytes.slice(points[i - 1], points[i]));
          }
          controller.close();
        },
      });
      assert.deepEqual(await collect(body), values);
    }),
  );
});

Deno.test("ndjson: blank lines are skipped, a last line without newline is read", async () => {
  assert.deepEqual(await collect(streamOf(['\n{"a":1}\r\n\n', '{"b":2}'])), [{ a: 1 }, { b: 2 }]);
});

Deno.test("ndjson: a malformed line throws NdjsonParseError with the line", async () => {
  await assert.rejects(
    collect(streamOf(['{"a":1}\n', "oops\n"])),
    (e: unknown) => e instanceof NdjsonParseError && e.line === "oops",
  );
});

Deno.test("ndjson: a silent body fails with IdleTimeoutError and is released", async () => {
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    cancel() {
      cancelled = true;
    },
  });
  await assert.rejects(
    collect(body, 30),
    (e: unknown) => e instanceof IdleTimeoutError && e.idleMs === 30,
  );
  assert.ok(cancelled);
});

Deno.test("backoff: grows by the factor, stays within [d/2, d], caps, resets", () => {
  let r = 0;
  const b = backoff({ initialMs: 100, maxMs: 1_000, random: () => r });
  assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()], [
    50,
    100,
    200,
    400,
    500,
    500,
  ]);
  r = 0.999;
  assert.equal(b.next(), 1_000);
  b.reset();
  assert.equal(b.next(), 100);
  const invalid = (option: string) => (e: unknown) =>
    e instanceof InvalidOptionError && e instanceof RangeError && e.option === option;
  assert.throws(() => backoff({ initialMs: 0 }), invalid("backoff.initialMs"));
  assert.throws(() => backoff({ maxMs: Number.NaN }), invalid("backoff.maxMs"));
  assert.throws(() => backoff({ factor: 0.5 }), invalid("backoff.factor"));
});

Deno.test("sleep: an abort rejects with the signal's reason", async () => {
  const controller = new AbortController();
  const pending = sleep(60_000, controller.signal);
  controller.abort(new Error("stop"));
  await assert.rejects(pending, /stop/);
  await assert.rejects(sleep(1, controller.signal), /stop/);
});

Deno.test("etcd prefixEnd: every key with the prefix is inside [prefix, end)", () => {
  const enc = new TextEncoder();
  const less = (a: Uint8Array, b: Uint8Array) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] < b[i];
    return a.length < b.length;
  };
  fc.assert(fc.property(fc.string({ minLength: 1 }), fc.string(), (prefix, rest) => {
    const key = enc.encode(prefix + rest);
    assert.ok(less(key, prefixEnd(prefix)));
  }));
  assert.deepEqual(
    new TextDecoder().decode(prefixEnd("/microservices/helloworld/")),
    "/microservices/helloworld0",
  );
  assert.equal(
    toBase64(prefixEnd("/microservices/helloworld/")),
    "L21pY3Jvc2VydmljZXMvaGVsbG93b3JsZDA=",
  );
});

Deno.test("etcd base64: round-trips any UTF-8", () => {
  fc.assert(fc.property(fc.string({ unit: "grapheme" }), (s) => {
    assert.equal(new TextDecoder().decode(fromBase64(toBase64(s))), s);
  }));
});

const inst = (id: string): ServiceInstance => ({
  id,
  name: "s",
  version: "",
  metadata: {},
  endpoints: [],
});

Deno.test("watcher: identical lists are not re-delivered; order does not matter", async () => {
  let publish: Publish = () => {};
  const watcher = startWatcher("s", [inst("a"), inst("b")], (p, signal) => {
    publish = p;
    return new Promise((resolve) => signal.addEventListener("abort", () => resolve()));
  }, new WatcherSet());
  assert.deepEqual((await watcher.next()).map((i) => i.id), ["a", "b"]);
  publish([inst("b"), inst("a")]);
  const pending = watcher.next();
  publish([inst("a")]);
  assert.deepEqual((await pending).map((i) => i.id), ["a"]);
  await watcher.stop();
});

Deno.test("watcher: a producer that dies fails next() instead of hanging it", async () => {
  const watcher = startWatcher(
    "s",
    [],
    () => Promise.reject(new Error("boom")),
    new WatcherSet(),
  );
  await watcher.next().then(
    () => {},
    () => {},
  );
  await assert.rejects(
    watcher.next(),
    (e: unknown) =>
      e instanceof RegistryError && e.code === "unavailable" && /boom/.test(e.message),
  );
  await watcher.stop();
});

Deno.test("keeper set: a loop replaced under the same key is stopped, close stops the rest", async () => {
  const stopped: string[] = [];
  const fake = (name: string) => ({ stop: () => Promise.resolve(void stopped.push(name)) });
  const set = new KeeperSet();
  await set.set("k", fake("first"));
  await set.set("k", fake("second"));
  assert.deepEqual(stopped, ["first"]);
  await set.set("other", fake("third"));
  await set.stop("k");
  await set.stop("missing");
  await set.stopAll();
  assert.deepEqual(stopped, ["first", "second", "third"]);
});

Deno.test("keeper: re-registers after a loss, retrying until it works, and stops promptly", async () => {
  const events: RegistryEvent[] = [];
  let beats = 0;
  let attempts = 0;
  const keeper = keepAlive({
    instance: inst("a"),
    intervalMs: () => 1,
    beat: () => Promise.resolve(++beats !== 2), // the second beat finds the registration gone
    register:
      () => (++attempts < 4 ? Promise.reject(new Error(`down ${attempts}`)) : Promise.resolve()),
    backoff: { initialMs: 1, maxMs: 2 },
    emit: (e) => void events.push(e),
  });
  await eventually(
    () => Promise.resolve(events.some((e) => e.type === "registration_recovered")),
    2_000,
    "recovered",
  );
  await keeper.stop();
  assert.deepEqual(events.map((e) => e.type), [
    "registration_lost",
    "registration_retry",
    "registration_retry",
    "registration_retry",
    "registration_recovered",
  ]);
  const recovered = events.at(-1);
  assert.ok(recovered?.type === "registration_recovered" && recovered.attempts === 4);
  const after = beats;
  await sleep(20);
  assert.equal(beats, after, "no beat after stop()");
});
