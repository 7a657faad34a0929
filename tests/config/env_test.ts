// Environment source: Kratos-style flat keys, nested `__` overrides, prefixes, Worker bindings.
import assert from "node:assert/strict";
import { ConfigError, createConfig, env, InvalidOptionError, memory } from "../../config/mod.ts";

Deno.test("nested env names override deep keys; flat names serve placeholders", async () => {
  const vars = {
    APP__DATA__DATABASE__SOURCE: "postgres://prod",
    APP__SERVER__HTTP__TIMEOUT: "3s",
    APP__DATA__DATABASE__MAX_OPEN_CONNS: "20",
    APP_PORT: "9090",
    APP_LOG_LEVEL: "debug",
    OTHER__DATA__DATABASE__SOURCE: "ignored: other prefix",
    UNRELATED: "ignored",
  };
  const config = createConfig({
    sources: [
      memory({
        server: { http: { addr: "0.0.0.0:${PORT:8000}", timeout: "1s" } },
        data: { database: { driver: "postgres", source: "postgres://localhost" } },
        log: { level: "${LOG_LEVEL:info}" },
      }),
      env({ prefix: "APP_", vars }),
    ],
  });
  await config.load();
  assert.equal(config.value("data.database.source").string(), "postgres://prod");
  assert.equal(config.value("data.database.driver").string(), "postgres");
  assert.equal(config.value("data.database.max_open_conns").int(), 20);
  assert.equal(config.value("server.http.timeout").duration(), 3000);
  assert.equal(config.value("server.http.addr").string(), "0.0.0.0:9090");
  assert.equal(config.value("log.level").string(), "debug");
  assert.equal(config.value("PORT").string(), "9090");
  assert.equal(config.value("UNRELATED").exists, false);
  assert.equal(config.value("OTHER").exists, false);
  assert.deepEqual(config.explain("data.database.source")?.from, [
    { source: "env", location: "APP__DATA__DATABASE__SOURCE" },
  ]);
  await config.close();
});

Deno.test("without a prefix every variable is read and foreign names are skipped", async () => {
  const config = createConfig({
    sources: [env({
      vars: { PORT: "1", "A__B": "nested", "WEIRD[": "x", "X____Y": "empty segment", N: 5 },
    })],
  });
  await config.load();
  assert.deepEqual(config.value("").raw(), { PORT: "1", a: { b: "nested" }, N: 5 });
  await config.close();
});

Deno.test("Worker bindings: plain values are read, binding objects skipped", async () => {
  class KvNamespace {
    get() {}
  }
  const bindings = { APP__FEATURE__ON: "true", APP_JSON: { a: 1 }, APP_KV: new KvNamespace() };
  const config = createConfig({ sources: [env({ prefix: "APP", vars: bindings })] });
  await config.load();
  assert.deepEqual(config.value("").raw(), { feature: { on: "true" }, JSON: { a: 1 } });
  assert.equal(config.value("feature.on").bool(), true);
  await config.close();
});

Deno.test("the process environment is read when no vars are given", async () => {
  Deno.env.set("ATREUS_CFG_TEST__SERVER__ADDR", ":7000");
  try {
    const config = createConfig({ sources: [env({ prefix: "ATREUS_CFG_TEST_" })] });
    await config.load();
    assert.equal(config.value("server.addr").string(), ":7000");
    await config.close();
  } finally {
    Deno.env.delete("ATREUS_CFG_TEST__SERVER__ADDR");
  }
});

Deno.test("malformed prefixed names and bad options are clear errors", async () => {
  const config = createConfig({ sources: [env({ prefix: "APP_", vars: { APP__A____B: "x" } })] });
  await assert.rejects(
    config.load(),
    (e: unknown) => e instanceof ConfigError && /cannot map APP__A____B/.test(e.message),
  );
  await config.close();
  assert.throws(() => env({ separator: "" }), InvalidOptionError);
});
