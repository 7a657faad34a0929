// Watching: several observers per key, typed subscriptions that get a freshly scanned value,
// and changes that fail to resolve or validate being rejected while the last good config stays.
import assert from "node:assert/strict";
import {
  ConfigError,
  createConfig,
  file,
  memory,
  type Source,
  type Value,
} from "../../config/mod.ts";
import { pollWatcher } from "../../config/poll.ts";
import { Events, recordingLogger } from "../support/config.ts";
import { type Http, httpSchema } from "../support/config_schema.ts";

const base = {
  server: { http: { addr: ":8000", timeout: "1s" } },
  log: { level: "info" },
};

Deno.test("several observers per key see each change once; unchanged keys stay quiet", async () => {
  const src = memory(base);
  const logger = recordingLogger();
  const config = createConfig({ sources: [src], logger });
  await config.load();
  const a = new Events<string>();
  const b = new Events<string>();
  const quiet = new Events<unknown>();
  const appeared = new Events<unknown>();
  config.watch("log.level", (v: Value) => a.push(v.string()));
  const stopB = config.watch("log.level", (v: Value, key) => b.push(`${key}=${v.string()}`));
  config.watch("server.http", (v) => quiet.push(v.raw()));
  config.watch("feature.flag", (v) => appeared.push(v.raw()));

  src.set({ ...base, log: { level: "debug" } });
  assert.equal(await a.take("observer a"), "debug");
  assert.equal(await b.take("observer b"), "log.level=debug");

  stopB();
  src.set({ ...base, log: { level: "warn" }, feature: { flag: true } });
  assert.equal(await a.take("observer a"), "warn");
  assert.equal(await appeared.take("new key"), true);
  assert.equal(config.value("log.level").string(), "warn");

  await config.close();
  assert.deepEqual(b.all, ["log.level=debug"], "an unsubscribed observer is not called");
  assert.deepEqual(quiet.all, [], "observers of unchanged keys are not called");
  assert.deepEqual(logger.messages, []);
});

Deno.test("a typed subscription receives a freshly scanned value after each change", async () => {
  for (const async of [false, true]) {
    const src = memory(base);
    const config = createConfig({ sources: [src] });
    await config.load();
    const seen = new Events<Http>();
    const sub = await config.subscribe("server.http", httpSchema({ async }), seen.push);
    assert.deepEqual(sub.current, { addr: ":8000", timeoutMs: 1000 });

    src.set({ ...base, log: { level: "debug" } });
    src.set({ ...base, server: { http: { addr: ":8080", timeout: "250ms" } } });
    const next = await seen.take("typed value");
    assert.deepEqual(next, { addr: ":8080", timeoutMs: 250 });
    assert.deepEqual(sub.current, next);

    sub.unsubscribe();
    const applied = new Events<unknown>();
    config.watch("server.http.addr", (v) => applied.push(v.raw()));
    src.set({ ...base, server: { http: { addr: ":9999", timeout: "2s" } } });
    assert.equal(await applied.take("change after unsubscribe"), ":9999");
    await config.close();
    assert.equal(seen.all.length, 1, "only the change of the subtree was delivered");
  }
});

Deno.test("a broken change keeps the last good config and goes to the error observers and log", async () => {
  const src = memory(base);
  const logger = recordingLogger();
  const errors = new Events<ConfigError>();
  const config = createConfig({ sources: [src], logger, onError: errors.push });
  await config.load();
  const levels = new Events<string>();
  config.watch("log.level", (v) => levels.push(v.string()));
  const second = new Events<ConfigError>();
  config.onError(second.push);
  const sub = await config.subscribe("server.http", httpSchema());

  src.set({ ...base, log: { level: "${UNSET_LEVEL}" } });
  const e = await errors.take("placeholder error");
  assert.equal(e.code, "placeholder");
  assert.match(e.message, /UNSET_LEVEL/);
  assert.equal((await second.take("second observer")).code, "placeholder");
  assert.equal(config.value("log.level").string(), "info");

  src.set({ ...base, server: { http: { addr: "no port", timeout: "1s" } }, log: { level: "x" } });
  const invalid = await errors.take("validation error");
  assert.equal(invalid.code, "validation");
  assert.match(invalid.message, /server\.http does not match the schema: addr: expected host:port/);
  assert.deepEqual(invalid.issues, [{ message: "expected host:port", path: "addr" }]);
  assert.equal(config.value("log.level").string(), "info", "the whole change was rejected");
  assert.deepEqual(sub.current, { addr: ":8000", timeoutMs: 1000 });

  src.set({ ...base, log: { level: "error" } });
  assert.equal(await levels.take("good change after bad ones"), "error");
  assert.deepEqual(levels.all, ["error"]);
  assert.equal(logger.messages.length, 2);
  assert.match(logger.messages[0], /^config: .*UNSET_LEVEL/);
  await config.close();
});

Deno.test("observers that throw or reject are reported and do not stop the watch loop", async () => {
  const src = memory(base);
  const errors = new Events<ConfigError>();
  const config = createConfig({ sources: [src], logger: recordingLogger(), onError: errors.push });
  await config.load();
  const later = new Events<string>();
  config.watch("log.level", () => {
    throw new Error("observer bug");
  });
  config.watch("log.level", () => Promise.reject(new Error("async observer bug")));
  config.onError(() => {
    throw new Error("error observer bug");
  });
  config.watch("log.level", (v) => later.push(v.string()));
  src.set({ ...base, log: { level: "debug" } });
  assert.equal(await later.take("healthy observer"), "debug");
  const messages = [(await errors.take()).message, (await errors.take()).message].sort();
  assert.match(messages[0], /observer of "log.level" threw: async observer bug/);
  assert.match(messages[1], /observer of "log.level" threw: observer bug/);
  src.set({ ...base, log: { level: "warn" } });
  assert.equal(await later.take("next change"), "warn");
  await config.close();
});

Deno.test("a failing watcher is reported and retried with backoff until it recovers", async () => {
  let calls = 0;
  const errors = new Events<ConfigError>();
  const config = createConfig({
    logger: recordingLogger(),
    onError: errors.push,
    backoff: { initialMs: 1, maxMs: 5 },
    sources: [{
      name: "flaky",
      load: () => Promise.resolve([{ key: "", value: { n: 0 }, format: "" }]),
      watch: () =>
        Promise.resolve({
          next() {
            calls++;
            if (calls <= 3) return Promise.reject(new Error(`down ${calls}`));
            if (calls === 4) return Promise.resolve([{ key: "", value: { n: 4 }, format: "" }]);
            return new Promise<never>(() => {});
          },
          stop: () => Promise.resolve(),
        }),
    }],
  });
  await config.load();
  const seen = new Events<number>();
  config.watch("n", (v) => seen.push(v.number()));
  assert.equal(await seen.take("recovered value"), 4);
  const reported = [await errors.take(), await errors.take(), await errors.take()];
  assert.deepEqual(reported.map((e) => e.message), [
    "flaky: watch failed: down 1",
    "flaky: watch failed: down 2",
    "flaky: watch failed: down 3",
  ]);
  assert.ok(reported.every((e) => e.code === "source"));
  await config.close();
});

Deno.test("a source that cannot watch fails load, stops the watchers already started", async () => {
  let stopped = 0;
  let attempts = 0;
  const config = createConfig({
    sources: [
      {
        name: "first",
        load: () => Promise.resolve([{ key: "a", value: 1, format: "" }]),
        watch: () =>
          Promise.resolve({
            next: () => new Promise<never>(() => {}),
            stop: () => Promise.resolve(void stopped++),
          }),
      },
      {
        name: "second",
        load: () => Promise.resolve([]),
        watch: () =>
          ++attempts === 1 ? Promise.reject(new Error("inotify limit reached")) : Promise.resolve({
            next: () => new Promise<never>(() => {}),
            stop: () => Promise.resolve(),
          }),
      },
    ],
  });
  await assert.rejects(config.load(), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.code, "source");
    assert.equal(e.message, "second: cannot watch: inotify limit reached");
    return true;
  });
  assert.equal(stopped, 1);
  await config.load();
  assert.equal(config.value("a").number(), 1);
  await config.close();
  assert.equal(stopped, 2);
});

// One Watcher contract, the registry's: stop() rejects a pending next() and every later one
// with code watcher_stopped (tests/support/registry_conformance.ts checks the registry side).
Deno.test("every watcher: stop() rejects a pending next() and every later one with watcher_stopped", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/app.yaml`, "a: 1\n");
    const sources: Source[] = [
      memory({ a: 1 }),
      file(dir, { debounceMs: 60_000 }),
      {
        name: "poll",
        load: () => Promise.resolve([]),
        watch: () =>
          Promise.resolve(
            pollWatcher("poll", (signal) =>
              new Promise((resolve) =>
                signal.addEventListener("abort", () => resolve(null))
              )),
          ),
      },
    ];
    for (const source of sources) {
      const watcher = await source.watch!();
      const stopped = (e: unknown) =>
        e instanceof ConfigError && e.code === "watcher_stopped" &&
        e.message.endsWith("the watcher was stopped");
      // The handler is attached before stop(), which the pending next() does not outlive.
      const pending = within(watcher.next(), 5_000).then(() => "resolved", (e: unknown) => e);
      await watcher.stop();
      assert.ok(stopped(await pending), `${source.name}: pending next()`);
      await assert.rejects(watcher.next(), stopped, `${source.name}: next() after stop()`);
      await assert.rejects(watcher.next(), stopped, `${source.name}: every later next()`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// `promise`, or a rejection once `ms` passed: a contract broken by hanging fails, not stalls.
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
