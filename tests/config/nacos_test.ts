// The nacos source against a stateful fake of the Nacos v1 config API (no Nacos can run here):
// load, long-polling listener, token renewal, broken content, deletes; and the MD5 it relies on.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fc from "fast-check";
import { ConfigError, createConfig, InvalidOptionError, nacos } from "../../config/mod.ts";
import { md5Hex } from "../../internal/nacos/md5.ts";
import { startFakeNacos } from "../support/nacos.ts";
import { Events, recordingLogger, waitUntil } from "../support/config.ts";

const md5 = (s: string) => createHash("md5").update(s).digest("hex");

Deno.test("nacos: load, listener watch, token renewal, broken content and deletes", async () => {
  const fake = startFakeNacos({ users: { app: "pw" } });
  const first = "server:\n  addr: ':8000'\nlog:\n  level: info\n";
  fake.publish("helloworld.yaml", "APP", first, "dev");
  fake.publish("helloworld.yaml", "APP", "log: {level: wrong namespace}\n");
  const errors = new Events<ConfigError>();
  const config = createConfig({
    sources: [nacos({
      endpoint: fake.endpoint,
      dataId: "helloworld.yaml",
      group: "APP",
      namespace: "dev",
      username: "app",
      password: "pw",
    })],
    onError: errors.push,
    logger: recordingLogger(),
    backoff: { initialMs: 10, maxMs: 50 },
  });
  try {
    await config.load();
    assert.equal(config.value("log.level").string(), "info");
    assert.deepEqual(config.explain("server.addr")?.from, [
      { source: "nacos", location: "helloworld.yaml (group APP, namespace dev)" },
    ]);
    const levels = new Events<string>();
    config.watch("log.level", (v) => levels.push(v.string("(unset)")));

    await waitUntil(
      () => fake.requests.some((r) => r.url.pathname.endsWith("/listener")),
      "a listener",
    );
    const listen = fake.requests.find((r) => r.url.pathname.endsWith("/listener"))!;
    assert.equal(listen.headers.get("long-pulling-timeout"), "30000");
    assert.equal(
      new URLSearchParams(listen.body).get("Listening-Configs"),
      `helloworld.yaml\x02APP\x02${md5(first)}\x02dev\x01`,
    );

    fake.publish("helloworld.yaml", "APP", "log:\n  level: debug\n", "dev");
    assert.equal(await levels.take("published change"), "debug");

    fake.expireTokens();
    fake.publish("helloworld.yaml", "APP", "log:\n  level: warn\n", "dev");
    assert.equal(await levels.take("change after token expiry"), "warn");
    const logins = fake.requests.filter((r) => r.url.pathname.endsWith("/auth/login"));
    assert.equal(logins.length, 2, "logged in again after the token was refused");

    fake.publish("helloworld.yaml", "APP", "log: [broken\n", "dev");
    const broken = await errors.take("parse error");
    assert.equal(broken.code, "parse");
    assert.match(
      broken.message,
      /nacos helloworld\.yaml \(group APP, namespace dev\): invalid yaml/,
    );
    assert.equal(config.value("log.level").string(), "warn");

    fake.remove("helloworld.yaml", "APP", "dev");
    assert.equal(await levels.take("delete"), "(unset)");
    fake.publish("helloworld.yaml", "APP", "log:\n  level: error\n", "dev");
    assert.equal(await levels.take("recreated"), "error");
  } finally {
    await config.close();
    await fake.close();
  }
});

Deno.test("nacos: listener timeouts without changes deliver nothing", async () => {
  const fake = startFakeNacos();
  fake.publish("app.json", "DEFAULT_GROUP", '{"n": 1}');
  const config = createConfig({
    sources: [nacos({ endpoint: fake.endpoint, dataId: "app.json", longPollTimeoutMs: 30 })],
  });
  try {
    await config.load();
    const seen = new Events<number>();
    config.watch("n", (v) => seen.push(v.number()));
    const listens = () => fake.requests.filter((r) => r.url.pathname.endsWith("/listener")).length;
    await waitUntil(() => listens() >= 4, "several timed-out listener requests");
    assert.deepEqual(seen.all, []);
    assert.equal(
      fake.requests.filter((r) => r.method === "GET").length,
      1,
      "no refetch without change",
    );
    fake.publish("app.json", "DEFAULT_GROUP", '{"n": 2}');
    assert.equal(await seen.take("change"), 2);
  } finally {
    await config.close();
    await fake.close();
  }
});

Deno.test("nacos: missing configs, refused logins and bad options are clear errors", async () => {
  const fake = startFakeNacos({ users: { app: "pw" } });
  try {
    const load = async (o: Parameters<typeof nacos>[0]) => {
      const config = createConfig({ sources: [nacos(o)] });
      try {
        await config.load();
      } finally {
        await config.close();
      }
    };
    const base = { endpoint: fake.endpoint, username: "app", password: "pw" };
    await assert.rejects(
      load({ ...base, dataId: "absent.yaml" }),
      (e: unknown) =>
        e instanceof ConfigError && e.code === "source" &&
        e.message === "nacos: config absent.yaml (group DEFAULT_GROUP) does not exist",
    );
    await assert.rejects(
      load({ ...base, password: "bad", dataId: "a.yaml" }),
      /nacos: login: HTTP 403 unknown user!/,
    );
    const invalid = (option: string, message: RegExp) => (e: unknown) =>
      e instanceof InvalidOptionError && e.option === option && message.test(e.message);
    assert.throws(
      () => nacos({ endpoint: fake.endpoint, dataId: "" }),
      invalid("dataId", /^nacos: dataId must be a non-empty string/),
    );
    assert.throws(
      () => nacos({ endpoint: fake.endpoint, dataId: "noext" }),
      invalid("format", /data id "noext" has no extension/),
    );
    assert.throws(
      () => nacos({ endpoint: fake.endpoint, dataId: "a.yaml", username: "u" }),
      invalid("password", /username and password go together/),
    );
    assert.throws(
      () => nacos({ endpoint: "nacos://x:8848", dataId: "a.yaml" }),
      invalid("endpoint", /http\(s\) URL/),
    );
  } finally {
    await fake.close();
  }
});

Deno.test("property: md5Hex matches node:crypto for any bytes and text", () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
    assert.equal(md5Hex(bytes), createHash("md5").update(bytes).digest("hex"));
  }));
  fc.assert(fc.property(fc.string({ unit: "grapheme", maxLength: 100 }), (s) => {
    assert.equal(md5Hex(s), md5(s));
  }));
});
