// The etcd source against a real etcd: load, watch, broken values, reconnect after a restart,
// idle reconnects, and re-listing after compaction.
import assert from "node:assert/strict";
import { ConfigError, createConfig, etcd } from "../../config/mod.ts";
import { etcdTest, startEtcd } from "../support/etcd.ts";
import { etcdClient, partitionableFetch } from "./etcd_client.ts";
import { Events, recordingLogger, waitUntil } from "./helpers.ts";

etcdTest("prefix load, watch, broken value, and reconnect after etcd restarts", async (version) => {
  const server = await startEtcd(version);
  const kv = etcdClient(server.endpoint);
  const prefix = `/atreus/${crypto.randomUUID()}/`;
  try {
    await kv.put(`${prefix}00-base.yaml`, "server:\n  addr: ':8000'\nlog:\n  level: info\n");
    await kv.put(`${prefix}10-override.json`, '{"server": {"addr": ":8080"}}');
    await kv.put(`/atreus/elsewhere.yaml`, "log: {level: other}\n");
    const errors = new Events<ConfigError>();
    const config = createConfig({
      sources: [etcd({ endpoint: server.endpoint, prefix })],
      onError: errors.push,
      logger: recordingLogger(),
      retry: { initialMs: 50, maxMs: 400 },
    });
    await config.load();
    assert.deepEqual(config.value("").raw(), {
      server: { addr: ":8080" },
      log: { level: "info" },
    });
    assert.deepEqual(config.explain("server.addr")?.from, [
      { source: "etcd", location: `${prefix}10-override.json` },
    ]);

    const levels = new Events<string>();
    config.watch("log.level", (v) => levels.push(v.string("(unset)")));
    const addrs = new Events<string>();
    config.watch("server.addr", (v) => addrs.push(v.string()));

    await kv.put(`${prefix}00-base.yaml`, "server:\n  addr: ':8000'\nlog:\n  level: debug\n");
    assert.equal(await levels.take("watched put"), "debug");
    await kv.delete(`${prefix}10-override.json`);
    assert.equal(await addrs.take("watched delete"), ":8000");

    await kv.put(`${prefix}00-base.yaml`, "log: [broken\n");
    const broken = await errors.take("parse error");
    assert.equal(broken.code, "parse");
    assert.ok(broken.message.includes(`${prefix}00-base.yaml: invalid yaml`), broken.message);
    assert.equal(config.value("log.level").string(), "debug");

    await server.stop();
    const down = await errors.takeUntil((e) => e.code === "source", "a report of the lost watch");
    assert.match(down.message, /^etcd: watch/);
    await server.start();
    const restarted = performance.now();
    await kv.put(`${prefix}00-base.yaml`, "log:\n  level: warn\n");
    assert.equal(
      await levels.takeUntil((l) => l === "warn", "change after restart", 20_000),
      "warn",
    );
    console.log(
      `etcd healthy again → change observed in ${Math.round(performance.now() - restarted)} ms`,
    );
    await config.close();
  } finally {
    await server.close();
  }
});

etcdTest("a single key, a format option, and clear errors", async (version) => {
  const server = await startEtcd(version);
  const kv = etcdClient(server.endpoint);
  try {
    await kv.put("/app/config", "name = 'toml without extension'\n");
    const config = createConfig({
      sources: [etcd({ endpoint: `${server.endpoint}/`, key: "/app/config", format: "toml" })],
    });
    await config.load();
    assert.equal(config.value("name").string(), "toml without extension");
    await config.close();

    const noFormat = createConfig({
      sources: [etcd({ endpoint: server.endpoint, key: "/app/config" })],
    });
    await assert.rejects(noFormat.load(), /cannot tell the format of key \/app\/config/);
    await noFormat.close();

    const missing = createConfig({
      sources: [etcd({ endpoint: server.endpoint, key: "/none.yaml" })],
    });
    await missing.load();
    assert.deepEqual(missing.value("").raw(), {});
    await missing.close();

    const wrongPath = createConfig({
      sources: [etcd({ endpoint: `${server.endpoint}/nope`, key: "/a.yaml" })],
    });
    await assert.rejects(
      wrongPath.load(),
      (e: unknown) =>
        e instanceof ConfigError && e.code === "source" &&
        /etcd: range \/a\.yaml: HTTP 404/.test(e.message),
    );
    await wrongPath.close();

    assert.throws(() => etcd({ endpoint: server.endpoint }), /exactly one of key or prefix/);
    assert.throws(() => etcd({ endpoint: server.endpoint, key: "a", prefix: "b" }), ConfigError);
    assert.throws(
      () => etcd({ endpoint: "127.0.0.1:2379", key: "a" }),
      /http:\/\/ or https:\/\/ URL/,
    );
    assert.throws(() => etcd({ endpoint: server.endpoint, key: "" }), /non-empty/);
  } finally {
    await server.close();
  }
  const refused = createConfig({ sources: [etcd({ endpoint: server.endpoint, key: "/a.yaml" })] });
  await assert.rejects(
    refused.load(),
    (e: unknown) =>
      e instanceof ConfigError && e.code === "source" &&
      e.message.startsWith("etcd: range /a.yaml at http://127.0.0.1:"),
  );
  await refused.close();
});

etcdTest("an idle watch is reconnected, and changes still arrive", async (version) => {
  const server = await startEtcd(version);
  const kv = etcdClient(server.endpoint);
  const net = partitionableFetch();
  try {
    await kv.put("/idle/config.yaml", "n: 1\n");
    const config = createConfig({
      sources: [
        etcd({
          endpoint: server.endpoint,
          key: "/idle/config.yaml",
          fetch: net.fetch,
          idleTimeoutMs: 100,
        }),
      ],
    });
    await config.load();
    const seen = new Events<number>();
    config.watch("n", (v) => seen.push(v.number()));
    await waitUntil(() => net.watchRequests >= 3, "three watch connections");
    await kv.put("/idle/config.yaml", "n: 2\n");
    assert.equal(await seen.take("change after idle reconnects"), 2);
    await config.close();
  } finally {
    await server.close();
  }
});

etcdTest("after a partition past a compaction the watcher lists again", async (version) => {
  const server = await startEtcd(version);
  const kv = etcdClient(server.endpoint);
  const net = partitionableFetch();
  try {
    await kv.put("/cmp/config.yaml", "n: 1\n");
    const errors = new Events<ConfigError>();
    const config = createConfig({
      sources: [etcd({ endpoint: server.endpoint, key: "/cmp/config.yaml", fetch: net.fetch })],
      onError: errors.push,
      logger: recordingLogger(),
      retry: { initialMs: 20, maxMs: 100 },
    });
    await config.load();
    const seen = new Events<number>();
    config.watch("n", (v) => seen.push(v.number()));
    // Wait until the watch is connected, so the cut hits a live stream.
    await waitUntil(() => net.watchRequests >= 1, "a watch connection");
    net.cut();
    await errors.take("report of the cut watch");
    await kv.put("/cmp/other", "x");
    await kv.put("/cmp/config.yaml", "n: 2\n");
    const { header } = await kv.put("/cmp/other", "y");
    await kv.compact(header.revision);
    net.heal();
    assert.equal(await seen.take("value listed again after compaction"), 2);
    await config.close();
  } finally {
    await server.close();
  }
});
