// The Consul adapter against a real `consul agent -dev` (v1.14.4, tests/support/consul.ts),
// with a recording proxy in front where a test reads the requests or needs the agent to fail
// or vanish. The stateful fake (tests/registry/fakes/consul.ts) remains only for what a real
// agent cannot produce: catalog entries that its own validation would refuse to store.
import assert from "node:assert/strict";
import { consul, RegistryError, type RegistryEvent } from "../../registry/mod.ts";
import { recordingProxy, startConsul } from "../support/consul.ts";
import { runConformance } from "./conformance.ts";
import { startFakeConsul } from "./fakes/consul.ts";
import { eventually, uniqueName, watchUntil } from "./wait.ts";

runConformance({
  name: "consul 1.14 (real agent)",
  changeMs: 2_000,
  // Heartbeat every 1 s, TTL 2 s: a silent instance turns critical about 2 s after its last beat.
  expiryMs: 5_000,
  recoveryMs: 8_000,
  async start() {
    const agent = await startConsul();
    return {
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
    };
  },
});

Deno.test("consul: the registration payload is Kratos's, the agent stores it so, the check passes at once", async () => {
  const agent = await startConsul({ managementToken: "secret" });
  const proxy = recordingProxy(agent.address);
  const registry = consul({ address: proxy.address, token: "secret", tags: ["extra"] });
  try {
    await registry.register({
      id: "id-1",
      name: "helloworld",
      version: "v1",
      metadata: { a: "b" },
      endpoints: ["grpc://127.0.0.1:9000", "http://127.0.0.1:8000?isSecure=false"],
    });
    const [reg, update] = proxy.requests;
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
    assert.ok(proxy.requests.every((r) => r.headers.get("x-consul-token") === "secret"));
    // What the agent made of it.
    const read = async (path: string) => {
      const res = await fetch(`${agent.address}${path}`, {
        headers: { "x-consul-token": "secret" },
      });
      assert.equal(res.status, 200, path);
      return await res.json();
    };
    const stored = await read("/v1/agent/service/id-1");
    assert.deepEqual(
      [stored.Service, stored.Tags, stored.Meta, stored.Address, stored.Port],
      ["helloworld", ["version=v1", "extra"], { a: "b" }, "127.0.0.1", 9000],
    );
    assert.deepEqual(stored.TaggedAddresses.grpc, { Address: "grpc://127.0.0.1:9000", Port: 9000 });
    const checks = await read("/v1/agent/checks");
    assert.equal(checks["service:id-1"].Status, "passing");
    assert.deepEqual(
      Object.values(checks).filter((c) => (c as { Type: string }).Type === "tcp").length,
      2,
    );
    // Without the token the agent refuses, and the error says so.
    const anonymous = consul({ address: agent.address, heartbeat: false });
    await assert.rejects(
      anonymous.register({ id: "x", name: "x", version: "", metadata: {}, endpoints: [] }),
      (e: unknown) => e instanceof RegistryError && /403/.test(e.message),
    );
    await anonymous.close();
  } finally {
    await registry.close();
    await proxy.close();
    await agent.close();
  }
});

Deno.test("consul: TCP checks decide visibility; discovery decodes like Kratos", async () => {
  const agent = await startConsul();
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

/** Where a test's agent API comes from, with the requests it received. */
interface AgentUnderTest {
  readonly address: string;
  readonly requests: readonly { readonly url: string }[];
  close(): Promise<void>;
}

const agents = {
  async real(): Promise<AgentUnderTest> {
    const agent = await startConsul();
    const proxy = recordingProxy(agent.address);
    return {
      address: proxy.address,
      requests: proxy.requests,
      async close() {
        await proxy.close();
        await agent.close();
      },
    };
  },
  fake: (): Promise<AgentUnderTest> => Promise.resolve(startFakeConsul()),
};

// Another tool registered these directly: one without tagged addresses (Kratos falls back to
// http://Address:Port), and, on the fake only, one whose tagged address is not a string — a real
// agent refuses to store that (its decoder rejects the registration), so only a fake can serve
// such an entry to test that the adapter skips it.
for (const kind of ["real", "fake"] as const) {
  Deno.test(
    `consul (${kind} agent): blocking queries carry index and wait; entries decode like Kratos${
      kind === "fake" ? ", malformed ones are skipped" : ""
    }`,
    async () => {
      const agent = await agents[kind]();
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
          const bodies: Record<string, unknown>[] = [
            { ID: "plain", Name: name, Address: "10.0.0.1", Port: 80, Tags: ["version=v3"] },
          ];
          if (kind === "fake") {
            bodies.push({
              ID: "broken",
              Name: name,
              TaggedAddresses: { grpc: { Address: 5, Port: 1 } },
            });
          }
          for (const body of bodies) {
            const res = await fetch(`${agent.address}/v1/agent/service/register`, {
              method: "PUT",
              body: JSON.stringify({ ...body, Check: { TTL: "60s", Status: "passing" } }),
            });
            assert.equal(res.status, 200, await res.text());
          }
          const list = await watchUntil(watcher, (l) => l.length === 1, 3_000, "plain instance");
          assert.deepEqual(list, [{
            id: "plain",
            name,
            version: "v3",
            metadata: {},
            endpoints: ["http://10.0.0.1:80"],
          }]);
          if (kind === "fake") {
            assert.ok(
              seen.some((e) => e.type === "invalid_record" && e.error instanceof RegistryError),
            );
          } else {
            assert.deepEqual(seen.filter((e) => e.type === "invalid_record"), []);
          }
          const blocking = agent.requests.filter((r) => r.url.includes("index="));
          assert.ok(blocking.length > 0);
          assert.ok(
            blocking.every((r) => r.url.includes("passing=1") && r.url.includes("wait=55s")),
          );
        } finally {
          await watcher.stop();
        }
      } finally {
        await registry.close();
        await agent.close();
      }
    },
  );
}

Deno.test("consul: a watcher keeps its last list while the agent is unreachable", async () => {
  const agent = await startConsul();
  // The proxy going away makes the agent unreachable without losing its state.
  const proxy = recordingProxy(agent.address);
  const seen: RegistryEvent[] = [];
  const registry = consul({
    address: proxy.address,
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
      await proxy.stop();
      await eventually(
        () => Promise.resolve(seen.filter((e) => e.type === "watch_retry").length >= 2),
        5_000,
        "the watcher retries",
      );
      // Had the outage been published as "no instances", this next() would return [] first.
      const pending = watcher.next();
      proxy.start();
      await registry.register({ id: "2", name, version: "", metadata: {}, endpoints: [] });
      assert.deepEqual((await pending).map((i) => i.id), ["1", "2"]);
    } finally {
      await watcher.stop();
    }
  } finally {
    await registry.close();
    await proxy.close();
    await agent.close();
  }
});

Deno.test("consul: malformed options are rejected with invalid_option", () => {
  const invalid = (e: unknown) => e instanceof RegistryError && e.code === "invalid_option";
  assert.throws(() => consul({ address: "" }), invalid);
  assert.throws(() => consul({ address: "http://x", healthCheckInterval: 0 }), invalid);
  assert.throws(() => consul({ address: "http://x", waitSeconds: Number.NaN }), invalid);
});
