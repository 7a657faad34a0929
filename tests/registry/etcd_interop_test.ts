// etcd beyond the conformance suite, against a real etcd: Kratos byte-level interop, the
// self-healing registrar (restart, lost lease), watch delivery bounds, and the stream's failure
// modes (malformed records, idle bodies, compaction).
import assert from "node:assert/strict";
import {
  encodeInstance,
  etcd,
  type Registry,
  RegistryError,
  type RegistryEvent,
  type ServiceInstance,
  type Watcher,
} from "../../registry/mod.ts";
import { toBase64 } from "../../registry/etcd/gateway.ts";
import { etcdTest, type EtcdVersion, startEtcd } from "../support/etcd.ts";
import { countingFetch, etcdPost, getRaw, leaseTtl, putRaw } from "./etcd_raw.ts";
import { eventually, uniqueName, watchUntil } from "./wait.ts";

const events = (into: RegistryEvent[]) => (e: RegistryEvent) => void into.push(e);

etcdTest("interop: a record written by hand in Kratos's format is discovered", async (version) => {
  const server = await startEtcd(version);
  const registry = etcd({ endpoint: server.endpoint });
  try {
    const name = uniqueName("helloworld");
    const watcher = await registry.watch(name);
    try {
      assert.deepEqual(await watcher.next(), []);
      // Exactly what Go's json.Marshal writes for a Kratos app without metadata.
      const raw = `{"id":"go-1","name":"${name}","version":"v1.0.0","metadata":null,` +
        `"endpoints":["grpc://10.0.0.9:9000","http://10.0.0.9:8000?isSecure=false"]}`;
      await putRaw(server.endpoint, `/microservices/${name}/go-1`, raw);
      const expected: ServiceInstance = {
        id: "go-1",
        name,
        version: "v1.0.0",
        metadata: {},
        endpoints: ["grpc://10.0.0.9:9000", "http://10.0.0.9:8000?isSecure=false"],
      };
      assert.deepEqual(await watchUntil(watcher, (l) => l.length === 1, 2_000, "go record"), [
        expected,
      ]);
      assert.deepEqual(await registry.getService(name), [expected]);
    } finally {
      await watcher.stop();
    }
  } finally {
    await registry.close();
    await server.close();
  }
});

etcdTest("interop: the stored key and value are the bytes Go Kratos writes", async (version) => {
  const server = await startEtcd(version);
  const registry = etcd({ endpoint: server.endpoint });
  try {
    const instance: ServiceInstance = {
      id: "id-1",
      name: "helloworld-bytes",
      version: "v1.0.0",
      // Unsorted on purpose: Go sorts map keys; and Go escapes <, > and & in strings.
      metadata: { zone: "a&b<c>", "é": "ü\u2028", weight: "100" },
      endpoints: ["http://10.0.0.5:8000", "grpc://10.0.0.5:9000"],
    };
    await registry.register(instance);
    const stored = await getRaw(server.endpoint, "/microservices/helloworld-bytes/id-1");
    assert.ok(stored, "the key is /microservices/{name}/{id}");
    const go = `{"id":"id-1","name":"helloworld-bytes","version":"v1.0.0","metadata":` +
      `{"weight":"100","zone":"a\\u0026b\\u003cc\\u003e","é":"ü\\u2028"},` +
      `"endpoints":["http://10.0.0.5:8000","grpc://10.0.0.5:9000"]}`;
    assert.equal(new TextDecoder().decode(stored.value), go);
    assert.deepEqual(stored.value, new TextEncoder().encode(go));
    assert.equal(encodeInstance(instance), go);
    assert.ok(stored.lease, "the key is attached to a lease");
    await registry.deregister(instance);
    assert.equal(await getRaw(server.endpoint, "/microservices/helloworld-bytes/id-1"), undefined);
    assert.equal(
      await leaseTtl(server.endpoint, stored.lease!),
      -1,
      "deregister revokes the lease",
    );
  } finally {
    await registry.close();
    await server.close();
  }
});

etcdTest("a custom namespace changes the key prefix and nothing else", async (version) => {
  const server = await startEtcd(version);
  const registry = etcd({ endpoint: server.endpoint, namespace: "/custom/" });
  try {
    const instance = { id: "1", name: "ns", version: "", metadata: {}, endpoints: [] };
    await registry.register(instance);
    assert.ok(await getRaw(server.endpoint, "/custom/ns/1"));
    assert.equal(await getRaw(server.endpoint, "/microservices/ns/1"), undefined);
    assert.deepEqual(await registry.getService("ns"), [instance]);
  } finally {
    await registry.close();
    await server.close();
  }
});

etcdTest("an instance removal reaches a watcher within one second", async (version) => {
  const server = await startEtcd(version);
  const registry = etcd({ endpoint: server.endpoint });
  try {
    const name = uniqueName();
    const instance = { id: "1", name, version: "", metadata: {}, endpoints: [] };
    await registry.register(instance);
    const watcher = await registry.watch(name);
    try {
      assert.equal((await watcher.next()).length, 1);
      await registry.deregister(instance);
      assert.deepEqual(await watchUntil(watcher, (l) => l.length === 0, 1_000, "removal"), []);
    } finally {
      await watcher.stop();
    }
  } finally {
    await registry.close();
    await server.close();
  }
});

etcdTest(
  "restarted under a registered service, it is registered again within one TTL",
  async (version) => {
    const ttl = 3;
    const server = await startEtcd(version);
    const seen: RegistryEvent[] = [];
    const registry = etcd({
      endpoint: server.endpoint,
      ttl,
      timeoutMs: 500,
      retryInitialMs: 100,
      // Capped well under the TTL, so the first retry after the restart always falls inside it
      // (the default 10 s cap would let the backoff outgrow the TTL during the outage).
      retryMaxMs: 500,
      onEvent: events(seen),
    });
    const key = "/microservices/restart/1";
    try {
      await registry.register({
        id: "1",
        name: "restart",
        version: "",
        metadata: {},
        endpoints: [],
      });
      await server.stop();
      await eventually(
        () => Promise.resolve(seen.some((e) => e.type === "registration_lost")),
        ttl * 1000 + 2_000,
        "the registrar notices the outage",
      );
      await server.start();
      // Leases survive a restart but expire one TTL later unless refreshed, so "recovered" within
      // one TTL with a live lease is what keeps the service registered.
      await eventually(
        () => Promise.resolve(seen.some((e) => e.type === "registration_recovered")),
        ttl * 1000,
        "re-registered within one TTL of the restart",
      );
      const stored = await getRaw(server.endpoint, key);
      assert.ok(stored?.lease, "the key is back, under a lease");
      assert.ok(await leaseTtl(server.endpoint, stored.lease!) > 0, "the lease is alive");
    } finally {
      await registry.close();
      await server.close();
    }
  },
);

etcdTest(
  "a lease lost behind the registrar's back is re-created within one TTL",
  async (version) => {
    const ttl = 3;
    const server = await startEtcd(version);
    const seen: RegistryEvent[] = [];
    const registry = etcd({ endpoint: server.endpoint, ttl, onEvent: events(seen) });
    const key = "/microservices/lost/1";
    try {
      await registry.register({ id: "1", name: "lost", version: "", metadata: {}, endpoints: [] });
      const before = await getRaw(server.endpoint, key);
      // What data loss or an operator's `etcdctl lease revoke` does: the key goes with the lease.
      await etcdPost(server.endpoint, "/lease/revoke", { ID: before!.lease });
      assert.equal(await getRaw(server.endpoint, key), undefined);
      await eventually(
        async () => (await getRaw(server.endpoint, key)) !== undefined,
        ttl * 1000,
        "the key reappears",
      );
      const after = await getRaw(server.endpoint, key);
      assert.notEqual(after!.lease, before!.lease, "a new lease was granted");
      assert.ok(seen.some((e) => e.type === "registration_recovered"));
    } finally {
      await registry.close();
      await server.close();
    }
  },
);

etcdTest("keepalive holds the registration well past its TTL", async (version) => {
  const ttl = 2;
  const server = await startEtcd(version);
  const counting = countingFetch();
  const registry = etcd({ endpoint: server.endpoint, ttl, fetch: counting.fetch });
  try {
    await registry.register({ id: "1", name: "kept", version: "", metadata: {}, endpoints: [] });
    const { lease } = (await getRaw(server.endpoint, "/microservices/kept/1"))!;
    // Six keepalives at ttl/3 span two full TTLs: without them the lease would be gone.
    await eventually(
      () => Promise.resolve(counting.calls("/v3/lease/keepalive") >= 6),
      ttl * 3000,
      "six keepalives",
    );
    assert.ok(await getRaw(server.endpoint, "/microservices/kept/1"));
    assert.ok(await leaseTtl(server.endpoint, lease!) > 0);
  } finally {
    await registry.close();
    await server.close();
  }
});

etcdTest("malformed records are skipped and reported, never fatal", async (version) => {
  const server = await startEtcd(version);
  const seen: RegistryEvent[] = [];
  const registry = etcd({ endpoint: server.endpoint, onEvent: events(seen) });
  try {
    const name = uniqueName();
    const good = { id: "good", name, version: "", metadata: {}, endpoints: [] };
    await putRaw(server.endpoint, `/microservices/${name}/bad`, "not json {");
    await putRaw(server.endpoint, `/microservices/${name}/nullid`, `{"id":null,"name":"${name}"}`);
    await putRaw(
      server.endpoint,
      `/microservices/${name}/other`,
      JSON.stringify({ ...good, id: "other", name: "someone-else" }),
    );
    await registry.register(good);
    assert.deepEqual(await registry.getService(name), [good]);
    const reported = seen.filter((e) => e.type === "invalid_record");
    assert.equal(reported.length, 2, "bad JSON and a null id; a foreign name is just ignored");
    assert.ok(
      reported.every((e) => e.type === "invalid_record" && e.error instanceof RegistryError),
    );
    const watcher = await registry.watch(name);
    try {
      assert.deepEqual(await watcher.next(), [good]);
      await putRaw(
        server.endpoint,
        `/microservices/${name}/bad2`,
        `{"id":"x","name":"${name}",` +
          `"metadata":{"n":1}}`,
      );
      const second = { ...good, id: "second" };
      await registry.register(second);
      await watchUntil(watcher, (l) => l.length === 2, 2_000, "the watcher survives bad records");
      assert.ok(seen.filter((e) => e.type === "invalid_record").length >= 3);
    } finally {
      await watcher.stop();
    }
  } finally {
    await registry.close();
    await server.close();
  }
});

interface Watching {
  readonly endpoint: string;
  readonly registry: Registry;
  readonly watcher: Watcher;
  readonly name: string;
  readonly seen: RegistryEvent[];
  calls(path: string): number;
}

// A watcher on a fresh service with a short idle limit, counting the gateway calls it makes.
async function watching(
  version: EtcdVersion,
  watchIdleMs: number,
  fn: (w: Watching) => Promise<void>,
): Promise<void> {
  const server = await startEtcd(version);
  const seen: RegistryEvent[] = [];
  const counting = countingFetch();
  const registry = etcd({
    endpoint: server.endpoint,
    fetch: counting.fetch,
    watchIdleMs,
    onEvent: events(seen),
  });
  try {
    const name = uniqueName();
    const watcher = await registry.watch(name);
    try {
      await watcher.next();
      await fn({ endpoint: server.endpoint, registry, watcher, name, seen, calls: counting.calls });
      await registry.register({ id: "1", name, version: "", metadata: {}, endpoints: [] });
      await watchUntil(watcher, (l) => l.length === 1, 2_000, "delivery afterwards");
      assert.deepEqual(seen.filter((e) => e.type === "watch_retry"), [], "no retry noise");
    } finally {
      await watcher.stop();
    }
  } finally {
    await registry.close();
    await server.close();
  }
}

etcdTest("idle watch bodies are reopened quietly and keep delivering", async (version) => {
  await watching(version, 150, async ({ calls }) => {
    await eventually(() => Promise.resolve(calls("/v3/watch") >= 3), 5_000, "idle reconnects");
  });
});

etcdTest("a watch resuming from a compacted revision re-lists", async (version) => {
  await watching(version, 200, async ({ endpoint, calls }) => {
    assert.equal(calls("/v3/kv/range"), 1);
    // Unrelated writes move the store on; compacting them away leaves the watcher's resume
    // revision behind the compaction point.
    for (let i = 0; i < 5; i++) await putRaw(endpoint, `/elsewhere/${i}`, "x");
    const head = await etcdPost(endpoint, "/kv/range", { key: toBase64("/elsewhere/0") });
    const revision = (head.header as Record<string, string>).revision;
    await etcdPost(endpoint, "/kv/compaction", { revision, physical: true });
    const watches = calls("/v3/watch");
    await eventually(
      () => Promise.resolve(calls("/v3/kv/range") >= 2),
      5_000,
      "a re-list after compaction",
    );
    assert.ok(calls("/v3/watch") > watches);
  });
});

etcdTest("watch() and getService() fail with `unavailable` when etcd is down", async (version) => {
  const server = await startEtcd(version);
  const registry = etcd({ endpoint: server.endpoint, timeoutMs: 500 });
  try {
    await server.stop();
    const unavailable = (e: unknown) => e instanceof RegistryError && e.code === "unavailable";
    await assert.rejects(registry.getService("svc"), unavailable);
    await assert.rejects(registry.watch("svc"), unavailable);
    await assert.rejects(
      registry.register({ id: "1", name: "svc", version: "", metadata: {}, endpoints: [] }),
      unavailable,
    );
  } finally {
    await registry.close();
    await server.close();
  }
});

Deno.test("etcd: malformed options are rejected with invalid_option", () => {
  const invalid = (e: unknown) => e instanceof RegistryError && e.code === "invalid_option";
  assert.throws(() => etcd({ endpoint: "" }), invalid);
  assert.throws(() => etcd({ endpoint: "ftp://x" }), invalid);
  assert.throws(() => etcd({ endpoint: "http://x", ttl: 1.5 }), invalid);
  assert.throws(() => etcd({ endpoint: "http://x", ttl: 0 }), invalid);
  assert.throws(() => etcd({ endpoint: "http://x", namespace: "relative" }), invalid);
  assert.throws(() => etcd({ endpoint: "http://x", timeoutMs: -1 }), invalid);
});
