// discovery:/// clients: the memory registry and a real etcd; scheme filtering per protocol,
// waiting for the first list, registry outages at start and later, removals, filters, and the
// balancers observed end to end through calls.
import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";
import { fromError } from "../../errors/mod.ts";
import {
  type Discovery,
  etcd,
  memory,
  RegistryError,
  type ServiceInstance,
  type Watcher,
} from "../../registry/mod.ts";
import { p2c, version, where } from "../../selector/mod.ts";
import { type ClientProtocol, createClient, pickedNodeKey } from "../../transport/client/mod.ts";
import { createContextValues } from "@connectrpc/connect";
import { startEtcd } from "../support/etcd.ts";
import { seeded } from "../support/selector.ts";
import { Echo } from "./proto/gen/fixture/client/v1/echo_pb.ts";
import { startEcho, until } from "../support/client.ts";

for (const protocol of ["connect", "grpc-web", "grpc"] as ClientProtocol[]) {
  Deno.test(`${protocol}: discovery:/// dials the endpoint its protocol speaks`, async () => {
    const registry = memory();
    const a = await startEcho("a", { registrar: registry });
    const client = createClient(Echo, {
      endpoint: "discovery:///echo",
      discovery: registry,
      protocol,
    });
    try {
      const contextValues = createContextValues();
      const reply = await client.get({ text: "x" }, { contextValues });
      assert.equal(reply.server, "a");
      const node = contextValues.get(pickedNodeKey);
      const want = new URL(protocol === "grpc" ? a.grpc : a.http);
      assert.equal(node?.address, want.host);
      assert.equal(node?.scheme, protocol === "grpc" ? "grpc" : "http");
    } finally {
      await client.close();
      await a.stop();
      await registry.close();
    }
  });
}

/** A discovery whose first watch waits for `open()`, or fails while `down`. */
function controlledDiscovery(inner: Discovery) {
  let release!: () => void;
  const opened = new Promise<void>((r) => (release = r));
  const state = { down: false, watches: 0, gated: true };
  const discovery: Discovery = {
    getService: (name) => inner.getService(name),
    async watch(name: string, signal?: AbortSignal): Promise<Watcher> {
      state.watches++;
      if (state.gated) await opened;
      if (state.down) throw new RegistryError("unavailable", "registry down (test)");
      return inner.watch(name, signal);
    },
  };
  return {
    discovery,
    state,
    open: () => {
      state.gated = false;
      release();
    },
  };
}

Deno.test("calls made before the first list arrives wait for it", async () => {
  const registry = memory();
  const a = await startEcho("a", { registrar: registry });
  const control = controlledDiscovery(registry);
  const client = createClient(Echo, {
    endpoint: "discovery:///echo",
    discovery: control.discovery,
  });
  try {
    let settled = false;
    const call = client.get({ text: "early" }).finally(() => (settled = true));
    await until(() => control.state.watches === 1, 1_000, "watch opened");
    assert.equal(settled, false);
    control.open();
    assert.equal((await call).server, "a");
  } finally {
    await client.close();
    await a.stop();
    await registry.close();
  }
});

Deno.test("a registry down at start fails calls with Unavailable until it is back", async () => {
  const registry = memory();
  const a = await startEcho("a", { registrar: registry });
  const control = controlledDiscovery(registry);
  control.state.down = true;
  control.open();
  const errors: Error[] = [];
  const client = createClient(Echo, {
    endpoint: "discovery:///echo",
    discovery: control.discovery,
    onError: (e) => errors.push(e),
  });
  try {
    const err = await client.get({ text: "x" }).then(() => undefined, (e) => e);
    assert.ok(err instanceof ConnectError);
    assert.equal(err.code, Code.Unavailable);
    assert.match(err.message, /discovery of "echo" failed: registry down/);
    assert.ok(errors.length >= 1);
    control.state.down = false;
    // The first retry comes after 250–500 ms (backoff with jitter).
    await until(() => errors.length >= 1 && control.state.watches >= 2, 3_000, "watch retried");
    let reply;
    for (const deadline = Date.now() + 3_000; reply === undefined && Date.now() < deadline;) {
      reply = await client.get({ text: "x" }).catch(() => undefined);
      if (reply === undefined) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(reply?.server, "a");
  } finally {
    await client.close();
    await a.stop();
    await registry.close();
  }
});

Deno.test("no instances: Unavailable NODE_NOT_FOUND; a registration makes calls work", async () => {
  const registry = memory();
  const client = createClient(Echo, { endpoint: "discovery:///echo", discovery: registry });
  try {
    const err = await client.get({ text: "x" }).then(() => undefined, (e) => e);
    assert.equal(ConnectError.from(err).code, Code.Unavailable);
    assert.equal(fromError(err).reason, "NODE_NOT_FOUND");
    assert.match(String(err), /no available node for "echo": no nodes known/);
    const a = await startEcho("a", { registrar: registry });
    try {
      let reply;
      for (const deadline = Date.now() + 1_000; reply === undefined && Date.now() < deadline;) {
        reply = await client.get({ text: "x" }).catch(() => undefined);
      }
      assert.equal(reply?.server, "a");
    } finally {
      await a.stop();
    }
  } finally {
    await client.close();
    await registry.close();
  }
});

Deno.test("a removed instance stops being picked within one second", async () => {
  const registry = memory();
  const a = await startEcho("a", { registrar: registry });
  const b = await startEcho("b", { registrar: registry });
  const client = createClient(Echo, { endpoint: "discovery:///echo", discovery: registry });
  try {
    for (let i = 0; i < 4; i++) await client.get({ text: "warm" });
    assert.ok(a.total() > 0 && b.total() > 0);
    // Deregister a while its server keeps serving: only discovery can stop the picks.
    await registry.deregister(a.instance);
    const removedAt = Date.now();
    // The last call that still reached a must have started within a second of the removal;
    // the 20 calls that then prove the streak are not part of that second.
    let lastPickOfA = removedAt;
    let streak = 0;
    while (streak < 20) {
      assert.ok(Date.now() - removedAt < 10_000, "no streak of 20 picks of b in 10 s");
      const startedAt = Date.now();
      if ((await client.get({ text: "x" })).server === "b") {
        streak++;
      } else {
        streak = 0;
        lastPickOfA = startedAt;
      }
    }
    assert.ok(
      lastPickOfA - removedAt < 1_000,
      `the removed node was still picked ${lastPickOfA - removedAt} ms after its removal`,
    );
    const before = a.total();
    for (let i = 0; i < 20; i++) assert.equal((await client.get({ text: "x" })).server, "b");
    assert.equal(a.total(), before);
  } finally {
    await client.close();
    await a.stop();
    await b.stop();
    await registry.close();
  }
});

Deno.test("wrr: calls split in proportion to instance weights", async () => {
  const registry = memory();
  const servers = [
    await startEcho("w100", { registrar: registry, metadata: { weight: "100" } }),
    await startEcho("w200", { registrar: registry, metadata: { weight: "200" } }),
    await startEcho("w300", { registrar: registry, metadata: { weight: "300" } }),
  ];
  const client = createClient(Echo, { endpoint: "discovery:///echo", discovery: registry });
  try {
    for (let i = 0; i < 600; i++) await client.get({ text: "x" });
    // Smooth weighted round robin is exact over whole rounds.
    assert.deepEqual(servers.map((s) => s.total()), [100, 200, 300]);
  } finally {
    await client.close();
    for (const s of servers) await s.stop();
    await registry.close();
  }
});

Deno.test("p2c: a slow instance gets few calls", async () => {
  const registry = memory();
  const slow = await startEcho("slow", {
    registrar: registry,
    // Far slower than a loaded machine makes a fast call (a cold connection included), so
    // the steering shows whatever else the machine is doing.
    delay: () => new Promise((r) => setTimeout(r, 150)),
  });
  const fast = await startEcho("fast", { registrar: registry });
  const client = createClient(Echo, {
    endpoint: "discovery:///echo",
    discovery: registry,
    balancer: p2c({ random: seeded(7) }),
  });
  try {
    for (let i = 0; i < 100; i++) await client.get({ text: "x" });
    assert.equal(slow.total() + fast.total(), 100);
    // Without steering each would get ~50; EWMA latency sends nearly all to the fast one.
    assert.ok(slow.total() < 15, `slow instance got ${slow.total()} of 100 calls`);
  } finally {
    await client.close();
    await slow.stop();
    await fast.stop();
    await registry.close();
  }
});

Deno.test("filters: by version, and by request metadata", async () => {
  const registry = memory();
  const a = await startEcho("stable", { registrar: registry });
  const b = await startEcho("canary", { registrar: registry, metadata: { canary: "true" } });
  const v2: ServiceInstance = { ...b.instance, id: "v2", version: "v2" };
  await registry.register(v2);
  const byVersion = createClient(Echo, {
    endpoint: "discovery:///echo",
    discovery: registry,
    filters: [version("v1")],
  });
  const canary = createClient(Echo, {
    endpoint: "discovery:///echo",
    discovery: registry,
    filtersUseMetadata: true,
    filters: [
      where((node, ctx) =>
        node.version === "v1" &&
        (node.metadata.canary === "true") === (ctx.metadata?.["x-md-canary"] === "1")
      ),
    ],
  });
  try {
    for (let i = 0; i < 6; i++) {
      assert.notEqual((await byVersion.get({ text: "x" })).server, "v2");
    }
    for (let i = 0; i < 4; i++) {
      const headers = { "x-md-canary": "1" };
      assert.equal((await canary.get({ text: "x" }, { headers })).server, "canary");
      assert.equal((await canary.get({ text: "x" })).server, "stable");
    }
  } finally {
    await byVersion.close();
    await canary.close();
    await a.stop();
    await b.stop();
    await registry.close();
  }
});

Deno.test("etcd: discovery:/// over a real etcd keeps the last list while etcd is down", async () => {
  const server = await startEtcd();
  const registry = etcd({ endpoint: server.endpoint, ttlMs: 5_000 });
  const name = `echo-${crypto.randomUUID().slice(0, 8)}`;
  const a = await startEcho("a", { registrar: registry, service: name });
  const b = await startEcho("b", { registrar: registry, service: name });
  const discovery = etcd({ endpoint: server.endpoint });
  const client = createClient(Echo, {
    endpoint: `discovery:///${name}`,
    discovery,
    protocol: "grpc",
    onError: () => {},
  });
  try {
    for (let i = 0; i < 10; i++) await client.get({ text: "x" });
    assert.deepEqual([a.total(), b.total()], [5, 5]);
    await server.stop();
    for (let i = 0; i < 10; i++) await client.get({ text: "x" });
    assert.deepEqual([a.total(), b.total()], [10, 10]);
    await server.start();
    for (let i = 0; i < 10; i++) await client.get({ text: "x" });
    assert.deepEqual([a.total(), b.total()], [15, 15]);
  } finally {
    await client.close();
    await a.stop();
    await b.stop();
    await registry.close();
    await discovery.close();
    await server.close();
  }
});
