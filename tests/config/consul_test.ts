// The consul source against a stateful fake of Consul's KV API (no Consul can run here): load,
// blocking-query watch, deletes, broken values, failures, ACL tokens.
import assert from "node:assert/strict";
import { ConfigError, consul, createConfig } from "../../config/mod.ts";
import { startFakeConsulKv } from "./fake_consul_kv.ts";
import { Events, recordingLogger, waitUntil } from "./helpers.ts";

Deno.test("consul: recursive load, blocking watch, deletes, broken values, failures", async () => {
  const fake = startFakeConsulKv({ token: "secret", datacenter: "eu1" });
  fake.put("app/cfg/", null);
  fake.put("app/cfg/00-base.yaml", "server:\n  addr: ':8000'\nlog:\n  level: info\n");
  fake.put("app/cfg/10-override.json", '{"server": {"addr": ":8080"}}');
  fake.put("app/other.yaml", "log: {level: other}\n");
  const errors = new Events<ConfigError>();
  const config = createConfig({
    sources: [consul({
      endpoint: fake.endpoint,
      prefix: "/app/cfg/",
      token: "secret",
      datacenter: "eu1",
      waitMs: 5_000,
      minIntervalMs: 0,
    })],
    onError: errors.push,
    logger: recordingLogger(),
    retry: { initialMs: 10, maxMs: 50 },
  });
  try {
    await config.load();
    assert.deepEqual(config.value("").raw(), { server: { addr: ":8080" }, log: { level: "info" } });
    assert.equal(config.explain("server.addr")?.location, "app/cfg/10-override.json");
    const first = fake.requests[0];
    assert.equal(first.url.pathname, "/v1/kv/app/cfg/");
    assert.equal(first.url.searchParams.get("recurse"), "true");
    assert.equal(first.url.searchParams.get("dc"), "eu1");
    assert.equal(first.headers.get("x-consul-token"), "secret");

    const levels = new Events<string>();
    config.watch("log.level", (v) => levels.push(v.string()));
    const addrs = new Events<string>();
    config.watch("server.addr", (v) => addrs.push(v.string()));

    await fake.blocked();
    const blocking = fake.requests.at(-1)!;
    assert.ok(Number(blocking.url.searchParams.get("index")) > 0);
    assert.equal(blocking.url.searchParams.get("wait"), "5000ms");
    fake.put("app/cfg/00-base.yaml", "server:\n  addr: ':8000'\nlog:\n  level: debug\n");
    assert.equal(await levels.take("watched change"), "debug");

    fake.delete("app/cfg/10-override.json");
    assert.equal(await addrs.take("watched delete"), ":8000");

    fake.put("app/cfg/00-base.yaml", "log: [broken\n");
    const broken = await errors.take("parse error");
    assert.equal(broken.code, "parse");
    assert.ok(broken.message.includes("app/cfg/00-base.yaml: invalid yaml"), broken.message);
    assert.equal(config.value("log.level").string(), "debug");

    fake.failNext(2);
    fake.put("app/cfg/00-base.yaml", "log:\n  level: warn\n");
    const failure = await errors.take("HTTP failure");
    assert.equal(failure.code, "source");
    assert.match(
      failure.message,
      /^consul: list app\/cfg\/: HTTP 500 rpc error: simulated failure/,
    );
    assert.equal(await levels.take("change after failures", 10_000), "warn");
  } finally {
    await config.close();
    await fake.close();
  }
});

Deno.test("consul: blocking queries that return unchanged cause no change", async () => {
  const fake = startFakeConsulKv();
  fake.put("svc/config.yaml", "n: 1\n");
  const config = createConfig({
    sources: [
      consul({ endpoint: fake.endpoint, prefix: "svc/config.yaml", waitMs: 50, minIntervalMs: 10 }),
    ],
  });
  try {
    await config.load();
    assert.equal(config.value("n").number(), 1);
    const seen = new Events<number>();
    config.watch("n", (v) => seen.push(v.number()));
    await waitUntil(() => fake.requests.length >= 5, "several blocking queries");
    assert.deepEqual(seen.all, []);
    fake.put("svc/config.yaml", "n: 2\n");
    assert.equal(await seen.take("change"), 2);
  } finally {
    await config.close();
    await fake.close();
  }
});

Deno.test("consul: ACL refusals, missing prefixes and bad options are clear errors", async () => {
  const fake = startFakeConsulKv({ token: "secret" });
  try {
    fake.put("a/b.yaml", "x: 1\n");
    const denied = createConfig({ sources: [consul({ endpoint: fake.endpoint, prefix: "a/" })] });
    await assert.rejects(
      denied.load(),
      (e: unknown) =>
        e instanceof ConfigError && e.code === "source" &&
        e.message === "consul: list a/: HTTP 403 Permission denied: token lacks key:read",
    );
    await denied.close();

    const empty = createConfig({
      sources: [consul({ endpoint: fake.endpoint, prefix: "nothing/", token: "secret" })],
    });
    await empty.load();
    assert.deepEqual(empty.value("").raw(), {});
    await empty.close();

    fake.put("a/plain", "x");
    const noExt = createConfig({
      sources: [consul({ endpoint: fake.endpoint, prefix: "a/", token: "secret" })],
    });
    await assert.rejects(noExt.load(), /consul: cannot tell the format of key a\/plain/);
    await noExt.close();

    assert.throws(
      () => consul({ endpoint: fake.endpoint, prefix: "/" }),
      /prefix must be a non-empty/,
    );
    assert.throws(() => consul({ endpoint: "consul:8500", prefix: "a" }), ConfigError);
  } finally {
    await fake.close();
  }
});
