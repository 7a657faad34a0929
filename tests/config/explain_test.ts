// explain(key): which source and location the effective value came from, what it replaced,
// and the template behind placeholder values.
import assert from "node:assert/strict";
import { createConfig, env, memory } from "../../config/mod.ts";

Deno.test("explain names the winning layer and the layers it replaced", async () => {
  const config = createConfig({
    sources: [
      memory({ server: { addr: ":8000", timeout: "1s" }, hosts: ["a", "b"] }, { name: "defaults" }),
      memory({ server: { addr: ":8080" }, hosts: ["z"] }, { name: "overrides" }),
      env({ prefix: "APP_", vars: { APP__SERVER__ADDR: ":9090", APP_HOST: "h" } }),
      memory({ url: "http://${HOST}${server.addr}", copy: "${server}" }, { name: "derived" }),
    ],
  });
  await config.load();
  const addr = config.explain("server.addr");
  assert.deepEqual(addr, {
    key: "server.addr",
    value: ":9090",
    source: "env",
    location: "APP__SERVER__ADDR",
    from: [{ source: "env", location: "APP__SERVER__ADDR" }],
    overridden: [
      { source: "memory", location: "defaults" },
      { source: "memory", location: "overrides" },
    ],
  });
  const timeout = config.explain("server.timeout");
  assert.equal(timeout?.location, "defaults");
  assert.deepEqual(timeout?.overridden, []);

  const server = config.explain("server");
  assert.deepEqual(server?.from.map((o) => o.location), [
    "defaults",
    "overrides",
    "APP__SERVER__ADDR",
  ]);
  assert.deepEqual(server?.value, { addr: ":9090", timeout: "1s" });

  const hosts = config.explain("hosts[0]");
  assert.equal(hosts?.value, "z");
  assert.equal(hosts?.location, "overrides");
  assert.deepEqual(hosts?.overridden.map((o) => o.location), ["defaults"]);

  const url = config.explain("url");
  assert.equal(url?.value, "http://h:9090");
  assert.equal(url?.template, "http://${HOST}${server.addr}");
  assert.deepEqual(url?.references, ["HOST", "server.addr"]);
  assert.equal(url?.location, "derived");

  const copied = config.explain("copy.timeout");
  assert.equal(copied?.value, "1s");
  assert.equal(copied?.template, undefined);
  assert.equal(copied?.location, "derived");

  assert.equal(config.explain("missing.key"), undefined);
  assert.equal(config.explain("hosts[5]"), undefined);
  await config.close();
});

Deno.test("explain follows a scalar replacing an object and back", async () => {
  const config = createConfig({
    sources: [
      memory({ a: { b: { c: 1 } } }, { name: "one" }),
      memory({ a: { b: 5 } }, { name: "two" }),
      memory({ a: { b: { d: 2 } } }, { name: "three" }),
    ],
  });
  await config.load();
  assert.equal(config.explain("a.b.c"), undefined);
  const d = config.explain("a.b.d");
  assert.deepEqual(d?.from.map((o) => o.location), ["three"]);
  assert.deepEqual(d?.overridden, []);
  const b = config.explain("a.b");
  assert.deepEqual(b?.from.map((o) => o.location), ["three"]);
  assert.deepEqual(b?.overridden.map((o) => o.location), ["one", "two"]);
  await config.close();
});
