// The Consul adapter against a stateful fake of the agent API (tests/registry/fakes/consul.ts):
// no Consul server can run here, so these are contract tests, not integration tests.
import assert from "node:assert/strict";
import { consul, RegistryError, type RegistryEvent } from "../../registry/mod.ts";
import { runConformance } from "./conformance.ts";
import { startFakeConsul } from "./fakes/consul.ts";
import { eventually, uniqueName, watchUntil } from "./wait.ts";

runConformance({
  name: "consul (fake agent)",
  changeMs: 2_000,
  // Heartbeat every 1 s, TTL 2 s: a silent instance turns critical about 2 s after its last beat.
  expiryMs: 5_000,
  recoveryMs: 8_000,
  start() {
    const agent = startFakeConsul();
    return Promise.resolve({
      registry: (onEvent) =>
        consul({
          address: agent.address,
          healthCheck: false,
          healthCheckInterval: 1,
          waitSeconds: 5,
          retryInitialMs: 100,
          timeoutMs: 1_000,
          onEvent,
        }),
      restart: () => agent.restart(),
      close: () => agent.close(),
    });
  },
});

Deno.test("consul: the registration payload is Kratos's, and the check passes at once", async () => {
  const agent = startFakeConsul({ token: "secret" });
  const registry = consul({ address: agent.address, token: "secret", tags: ["extra"] });
  try {
    await registry.register({
      id: "id-1",
      name: "helloworld",
      version: "v1",
      metadata: { a: "b" },
      endpoints: ["grpc://127.0.0.1:9000", "http://127.0.0.1:8000?isSecure=false"],
    });
    const [reg, update] = agent.requests;
    assert.equal(reg.method, "PUT");
    assert.equal(reg.url, "/v1/agent/service/register");
    assert.equal(
      reg.body,
      JSON.stringify({
        ID: "id-1",
        Name: "helloworld",
        Tags: ["version=v1", "extra"],
        Port: 9000,
        Address: "127.0.0.1",
        TaggedAddresses: {
          grpc: { Address: "grpc://127.0.0.1:9000", Port: 9000 },
          http: { Address: "http://127.0.0.1:8000?isSecure=false", Port: 8000 },
        },
        Meta: { a: "b" },
        Checks: [
          {
            TCP: "127.0.0.1:9000",
            Interval: "10s",
            DeregisterCriticalServiceAfter: "600s",
            Timeout: "5s",
          },
          {
            TCP: "127.0.0.1:8000",
            Interval: "10s",
            DeregisterCriticalServiceAfter: "600s",
            Timeout: "5s",
          },
          { CheckID: "service:id-1", TTL: "20s", DeregisterCriticalServiceAfter: "600s" },
        ],
      }),
    );
    assert.equal(update.url, "/v1/agent/check/update/service%3Aid-1");
    assert.deepEqual(JSON.parse(update.body), { Status: "passing", Output: "pass" });
    assert.ok(agent.requests.every((r) => r.headers.get("x-consul-token") === "secret"));
  } finally {
    await registry.close();
    await agent.close();
  }
});

Deno.test("consul: TCP checks decide visibility; discovery decodes like Kratos", async () => {
  const agent = startFakeConsul();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = (listener.addr as Deno.NetAddr).port;
  const closedPort = (() => {
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const p = (l.addr as Deno.NetAddr).port;
    l.close();
    return p;
  })();
  const registry = consul({ address: agent.address, heartbeat: false, healthCheckInterval: 1 });
  try {
    const name = uniqueName();
    const up = {
      id: "up",
      name,
      version: "v2",
      metadata: {},
      endpoints: [`grpc://127.0.0.1:${open}`],
    };
    await registry.register(up);
    await registry.register({ ...up, id: "down", endpoints: [`grpc://127.0.0.1:${closedPort}`] });
    await eventually(
      async () => (await registry.getService(name)).length === 1,
      3_000,
      "only the reachable instance passes",
    );
    // lan_ipv4/wan_ipv4, which the agent adds, are not endpoints.
    assert.deepEqual(await registry.getService(name), [up]);
  } finally {
    listener.close();
    await registry.close();
    await agent.close();
  }
});

Deno.test("consul: blocking queries carry index and wait; malformed entries are skipped", async () => {
  const agent = startFakeConsul();
  const seen: RegistryEvent[] = [];
  const registry = consul({
    address: agent.address,
    healthCheck: false,
    heartbeat: false,
    onEvent: (e) => void seen.push(e),
  });
  try {
    const name = uniqueName();
    const watcher = await registry.watch(name);
    try {
      assert.deepEqual(await watcher.next(), []);
      // Another tool registered these directly: one without tagged addresses (Kratos falls back
      // to http://Address:Port), one whose tagged address is not a string.
      for (
        const body of [
          { ID: "plain", Name: name, Address: "10.0.0.1", Port: 80, Tags: ["version=v3"] },
          { ID: "broken", Name: name, TaggedAddresses: { grpc: { Address: 5, Port: 1 } } },
        ]
      ) {
        const res = await fetch(`${agent.address}/v1/agent/service/register`, {
          method: "PUT",
          body: JSON.stringify({ ...body, Check: { TTL: "60s", Status: "passing" } }),
        });
        await res.body?.cancel();
      }
      const list = await watchUntil(watcher, (l) => l.length === 1, 3_000, "plain instance");
      assert.deepEqual(list, [{
        id: "plain",
        name,
        version: "v3",
        metadata: {},
        endpoints: ["http://10.0.0.1:80"],
      }]);
      assert.ok(seen.some((e) => e.type === "invalid_record" && e.error instanceof RegistryError));
      const blocking = agent.requests.filter((r) => r.url.includes("index="));
      assert.ok(blocking.length > 0);
      assert.ok(blocking.every((r) => r.url.includes("passing=1") && r.url.includes("wait=55s")));
    } finally {
      await watcher.stop();
    }
  } finally {
    await registry.close();
    await agent.close();
  }
});

Deno.test("consul: a watcher keeps its last list while the agent is unreachable", async () => {
  const agent = startFakeConsul();
  const seen: RegistryEvent[] = [];
  const registry = consul({
    address: agent.address,
    healthCheck: false,
    heartbeat: false,
    waitSeconds: 1,
    retryInitialMs: 50,
    timeoutMs: 500,
    onEvent: (e) => void seen.push(e),
  });
  try {
    const name = uniqueName();
    await registry.register({ id: "1", name, version: "", metadata: {}, endpoints: [] });
    const watcher = await registry.watch(name);
    try {
      assert.equal((await watcher.next()).length, 1);
      await agent.stop();
      await eventually(
        () => Promise.resolve(seen.filter((e) => e.type === "watch_retry").length >= 2),
        5_000,
        "the watcher retries",
      );
      // Had the outage been published as "no instances", this next() would return [] first.
      const pending = watcher.next();
      agent.start();
      await registry.register({ id: "2", name, version: "", metadata: {}, endpoints: [] });
      assert.deepEqual((await pending).map((i) => i.id), ["1", "2"]);
    } finally {
      await watcher.stop();
    }
  } finally {
    await registry.close();
    await agent.close();
  }
});

Deno.test("consul: malformed options are rejected with invalid_option", () => {
  const invalid = (e: unknown) => e instanceof RegistryError && e.code === "invalid_option";
  assert.throws(() => consul({ address: "" }), invalid);
  assert.throws(() => consul({ address: "http://x", healthCheckInterval: 0 }), invalid);
  assert.throws(() => consul({ address: "http://x", waitSeconds: Number.NaN }), invalid);
});
