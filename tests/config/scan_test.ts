// Scanning into protobuf messages (durations, enums by name, unknown fields warned about) and
// into Standard-Schema validators.
import assert from "node:assert/strict";
import { ConfigError, createConfig, env, memory } from "../../config/mod.ts";
import {
  Level,
  type Server,
  ServerSchema,
  SettingsSchema,
} from "../fixtures/proto/config/gen/fixture/config/v1/settings_pb.ts";
import { Events, recordingLogger } from "../support/config.ts";
import { httpSchema } from "../support/config_schema.ts";

const settings = {
  server: { addr: ":8000", timeout: "1.5s", port: "8000" },
  level: "info",
  hosts: ["a", "b"],
  backends: {
    users: { url: "http://users", timeout: "500ms" },
    orders: { url: "http://orders", timeout: 250 },
  },
  levels: ["LEVEL_DEBUG", "Warn", 2],
  max_bytes: "1048576",
  version: 2,
};

Deno.test("scan into a proto: durations, enums by name, wrappers and env strings", async () => {
  const config = createConfig({
    sources: [
      memory(settings),
      env({ prefix: "APP_", vars: { APP__DEBUG: "true", APP__ENABLED: "FALSE" } }),
    ],
  });
  await config.load();
  const s = await config.scan(SettingsSchema);
  assert.equal(s.$typeName, "fixture.config.v1.Settings");
  assert.equal(s.server?.addr, ":8000");
  assert.equal(s.server?.port, 8000);
  assert.equal(s.server?.timeout?.seconds, 1n);
  assert.equal(s.server?.timeout?.nanos, 500_000_000);
  assert.equal(s.level, Level.INFO);
  assert.deepEqual(s.levels, [Level.DEBUG, Level.WARN, Level.INFO]);
  assert.deepEqual(s.hosts, ["a", "b"]);
  assert.equal(s.backends.users.timeout?.nanos, 500_000_000);
  assert.equal(s.backends.orders.timeout?.nanos, 250_000_000);
  assert.equal(s.debug, true);
  assert.equal(s.enabled, false);
  assert.equal(s.maxBytes, 1_048_576n);
  assert.equal(s.version, "2");

  const server: Server = await config.value("server").scan(ServerSchema);
  assert.equal(server.timeout?.seconds, 1n);
  await config.close();
});

Deno.test("unknown fields are ignored with one warning listing them (flat env names are not)", async () => {
  const logger = recordingLogger();
  const config = createConfig({
    logger,
    sources: [
      memory({
        ...settings,
        extra: 1,
        server: { ...settings.server, tls: { cert: "x" } },
        backends: { users: { url: "u", retries: 3 } },
      }),
      env({ prefix: "APP_", vars: { APP_PORT: "80", APP__SERVR__ADDR: ":1", APP__LEVELZ: "2" } }),
    ],
  });
  await config.load();
  const s = await config.scan(SettingsSchema);
  assert.equal(s.backends.users.url, "u");
  await config.scan(SettingsSchema);
  await config.value("server").scan(ServerSchema);
  assert.deepEqual(logger.messages, [
    "config: ignoring unknown fields while scanning into fixture.config.v1.Settings: server.tls, backends.users.retries, extra, levelz, servr",
    "config: ignoring unknown fields while scanning into fixture.config.v1.Server: tls",
  ]);
  await config.close();
});

Deno.test("bad durations, enums and types are validation errors naming the field", async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ server: { timeout: "soon" } }, /server\.timeout: expected a duration like "1\.5s".*"soon"/],
    [{ server: { timeout: "500" } }, /server\.timeout: expected a duration/],
    [
      { level: "loud" },
      /level: "loud" is not a value of fixture\.config\.v1\.Level \(one of LEVEL_UNSPECIFIED, LEVEL_DEBUG, LEVEL_INFO, LEVEL_WARN\)/,
    ],
    [{ levels: ["info", "nope"] }, /levels\[1\]: "nope" is not a value/],
    [{ hosts: 5 }, /cannot scan config into fixture\.config\.v1\.Settings: .*hosts/],
    [{ server: { port: "eighty" } }, /cannot scan config into fixture\.config\.v1\.Settings/],
    [{ backends: { x: { timeout: [] } } }, /backends\.x\.timeout: expected a duration/],
  ];
  for (const [tree, re] of cases) {
    const config = createConfig({ sources: [memory(tree)] });
    await config.load();
    await assert.rejects(
      config.scan(SettingsSchema),
      (e: unknown) => e instanceof ConfigError && e.code === "validation" && re.test(e.message),
      `${JSON.stringify(tree)} should fail with ${re}`,
    );
    await config.close();
  }
});

Deno.test("a proto subscription gets a fresh message after each change", async () => {
  const src = memory(settings);
  const config = createConfig({ sources: [src] });
  await config.load();
  const seen = new Events<Server>();
  const sub = await config.subscribe("server", ServerSchema, seen.push);
  assert.equal(sub.current.timeout?.nanos, 500_000_000);
  src.set({ ...settings, server: { addr: ":9000", timeout: "2s" } });
  const next = await seen.take("scanned server");
  assert.equal(next.addr, ":9000");
  assert.equal(next.timeout?.seconds, 2n);
  await config.close();
});

Deno.test("scan into a Standard Schema: values, issues with paths, async validators", async () => {
  const config = createConfig({
    sources: [memory({ http: { addr: "0.0.0.0:80", timeout: "2s" }, bad: { addr: "x" } })],
  });
  await config.load();
  assert.deepEqual(await config.value("http").scan(httpSchema()), {
    addr: "0.0.0.0:80",
    timeoutMs: 2000,
  });
  assert.deepEqual(await config.value("http").scan(httpSchema({ async: true })), {
    addr: "0.0.0.0:80",
    timeoutMs: 2000,
  });
  await assert.rejects(config.value("bad").scan(httpSchema({ async: true })), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.code, "validation");
    assert.equal(
      e.message,
      "bad does not match the schema: addr: expected host:port; timeout: expected a timeout like 1s",
    );
    return true;
  });
  await assert.rejects(config.scan(httpSchema()), /config does not match the schema/);
  await assert.rejects(
    config.scan({ kind: "enum" } as never),
    (e: unknown) => e instanceof ConfigError && e.code === "usage",
  );
  await config.close();
});
