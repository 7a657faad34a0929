// The adapter conformance suite: every registry adapter must pass the same behaviours —
// register, discover, watch add / remove / to-empty, deregister, expiry after a crash, and
// recovery after the backend restarts. A capability an adapter does not have (the in-process
// registry has no TTL and no backend to restart) is registered as an ignored test with the
// reason in its name, so it shows up in the report instead of passing silently.
import assert from "node:assert/strict";
import {
  type Catalog,
  type Registry,
  RegistryError,
  type RegistryEvent,
  type ServiceInstance,
} from "../../registry/mod.ts";
import { eventually, uniqueName, watchUntil } from "./wait.ts";

/** A running backend for one test. */
export interface Backend {
  /** A new adapter on this backend: one per simulated process. */
  registry(onEvent?: (e: RegistryEvent) => void): Registry & Catalog;
  /** Restarts the backend (undefined when the adapter has no backend to restart). */
  restart?(): Promise<void>;
  /** Shuts the backend down. */
  close(): Promise<void>;
}

/** An adapter under test. */
export interface ConformanceTarget {
  /** Adapter name, used in test names. */
  readonly name: string;
  /** Starts a fresh backend. */
  start(): Promise<Backend>;
  /**
   * How a registered instance is discovered: under which service name and in which shape
   * (Nacos, like Kratos, lists `name.scheme` and does not keep the id). Default: unchanged.
   */
  discovered?(registered: ServiceInstance): { service: string; instance: ServiceInstance };
  /** Upper bound for an instance to vanish after its registrar crashed; absent: no TTL. */
  readonly expiryMs?: number;
  /** Upper bound for a change to reach a watcher (polling adapters are slower). */
  readonly changeMs: number;
  /** Upper bound for re-registration after a backend restart. */
  readonly recoveryMs?: number;
}

/** Registers the conformance tests for `target`. */
export function runConformance(target: ConformanceTarget): void {
  const view = target.discovered ??
    ((instance: ServiceInstance) => ({ service: instance.name, instance }));
  const make = (name: string, n: number): ServiceInstance => ({
    id: `${name}-id-${n}`,
    name,
    version: `v${n}`,
    metadata: { zone: `z${n}`, weight: String(10 * n) },
    endpoints: [`grpc://127.0.0.1:${9000 + n}`],
  });
  const quiet = (events: RegistryEvent[]) => (e: RegistryEvent) => void events.push(e);
  const ids = (list: ServiceInstance[]) => list.map((i) => i.id).sort();

  const test = (
    name: string,
    fn: (backend: Backend) => Promise<void>,
    ignoreReason?: string,
  ) =>
    Deno.test({
      name: `${target.name} conformance: ${name}${ignoreReason ? ` (n/a: ${ignoreReason})` : ""}`,
      ignore: ignoreReason !== undefined,
      async fn() {
        const backend = await target.start();
        try {
          await fn(backend);
        } finally {
          await backend.close();
        }
      },
    });

  test("register and discover, exact name match", async (backend) => {
    const registry = backend.registry();
    try {
      const name = uniqueName();
      const a = make(name, 1);
      const b = make(name, 2);
      const other = make(`${name}x`, 3);
      await registry.register(a);
      await registry.register(b);
      await registry.register(other);
      const found = await registry.getService(view(a).service);
      assert.deepEqual(
        found.toSorted((x, y) => x.id.localeCompare(y.id)),
        [view(a).instance, view(b).instance].toSorted((x, y) => x.id.localeCompare(y.id)),
      );
      assert.deepEqual(await registry.getService(uniqueName("absent")), []);
      await registry.deregister(a);
      await registry.deregister(b);
      await registry.deregister(other);
    } finally {
      await registry.close();
    }
  });

  test("watch: full list first at once (even empty), then add, remove, to-empty", async (backend) => {
    const registrar = backend.registry();
    const discovery = backend.registry();
    try {
      const name = uniqueName();
      const a = make(name, 1);
      const b = make(name, 2);
      const watcher = await discovery.watch(view(a).service);
      try {
        assert.deepEqual(await watcher.next(), [], "first next() is immediate and empty");
        const idB = view(b).instance.id;
        await registrar.register(a);
        const one = await watchUntil(watcher, (l) => l.length === 1, target.changeMs, "add a");
        assert.deepEqual(one, [view(a).instance]);
        await registrar.register(b);
        await watchUntil(watcher, (l) => l.length === 2, target.changeMs, "add b");
        await registrar.deregister(a);
        const left = await watchUntil(
          watcher,
          (l) => l.length === 1,
          target.changeMs,
          "remove a",
        );
        assert.deepEqual(ids(left), [idB]);
        await registrar.deregister(b);
        assert.deepEqual(
          await watchUntil(watcher, (l) => l.length === 0, target.changeMs, "to empty"),
          [],
        );
      } finally {
        await watcher.stop();
      }
    } finally {
      await registrar.close();
      await discovery.close();
    }
  });

  test("watch: the first list of a populated service is the full list", async (backend) => {
    const registry = backend.registry();
    try {
      const name = uniqueName();
      await registry.register(make(name, 1));
      await registry.register(make(name, 2));
      const watcher = await registry.watch(view(make(name, 1)).service);
      try {
        assert.deepEqual(
          ids(await watcher.next()),
          [view(make(name, 1)).instance.id, view(make(name, 2)).instance.id].sort(),
        );
      } finally {
        await watcher.stop();
      }
    } finally {
      await registry.close();
    }
  });

  test("services() lists every service with instances, under the names watch() takes", async (backend) => {
    const registry = backend.registry();
    try {
      const name = uniqueName();
      const a = make(name, 1);
      const other = make(`${name}x`, 2);
      const before = await registry.services();
      assert.ok(!before.includes(view(a).service), `${view(a).service} listed before it exists`);
      await registry.register(a);
      await registry.register(other);
      let listed: string[] = [];
      await eventually(
        async () => {
          listed = await registry.services();
          return listed.includes(view(a).service) && listed.includes(view(other).service);
        },
        target.changeMs,
        "both services listed",
      );
      assert.deepEqual(listed, listed.toSorted(), "sorted");
      assert.ok(!listed.includes(view(make(`${name}-absent`, 3)).service));
      // Every listed name is one watch() accepts: here, the first list holds our instance.
      const watcher = await registry.watch(view(a).service);
      try {
        assert.deepEqual(ids(await watcher.next()), [view(a).instance.id]);
      } finally {
        await watcher.stop();
      }
      await registry.deregister(a);
      await registry.deregister(other);
    } finally {
      await registry.close();
    }
  });

  test("deregister removes the instance; unknown instances are not an error", async (backend) => {
    const registry = backend.registry();
    try {
      const a = make(uniqueName(), 1);
      await registry.deregister(a);
      await registry.register(a);
      assert.equal((await registry.getService(view(a).service)).length, 1);
      await registry.deregister(a);
      assert.deepEqual(await registry.getService(view(a).service), []);
    } finally {
      await registry.close();
    }
  });

  test("re-registering (even concurrently) keeps one instance and one heartbeat", async (backend) => {
    const registry = backend.registry();
    try {
      const a = make(uniqueName(), 1);
      await Promise.all([registry.register(a), registry.register(a)]);
      await registry.register({ ...a, version: "v9" });
      const found = await registry.getService(view(a).service);
      assert.deepEqual(found, [view({ ...a, version: "v9" }).instance]);
    } finally {
      await registry.close();
    }
  });

  test("stop() rejects a pending next() and every later one", async (backend) => {
    const registry = backend.registry();
    try {
      const watcher = await registry.watch(uniqueName());
      await watcher.next();
      const pending = assert.rejects(
        watcher.next(),
        (e: unknown) => e instanceof RegistryError && e.code === "watcher_stopped",
      );
      await watcher.stop();
      await pending;
      await assert.rejects(
        watcher.next(),
        (e: unknown) => e instanceof RegistryError && e.code === "watcher_stopped",
      );
    } finally {
      await registry.close();
    }
  });

  test("bad input gets typed errors", async (backend) => {
    const registry = backend.registry();
    try {
      const bad = [
        { ...make("x", 1), id: "" },
        { ...make("x", 1), name: "a/b" },
        { ...make("x", 1), endpoints: ["not a url"] },
        { ...make("x", 1), metadata: { n: 1 as unknown as string } },
      ];
      for (const instance of bad) {
        await assert.rejects(
          registry.register(instance),
          (e: unknown) => e instanceof RegistryError && e.code === "invalid_instance",
          JSON.stringify(instance),
        );
      }
      for (const name of ["", "a/b"]) {
        await assert.rejects(
          registry.getService(name),
          (e: unknown) => e instanceof RegistryError && e.code === "invalid_argument",
        );
      }
    } finally {
      await registry.close();
    }
  });

  test(
    "a crashed registrar's instance expires",
    async (backend) => {
      const events: RegistryEvent[] = [];
      const crashed = backend.registry(quiet(events));
      const discovery = backend.registry();
      try {
        const a = make(uniqueName(), 1);
        await crashed.register(a);
        const watcher = await discovery.watch(view(a).service);
        try {
          assert.equal((await watcher.next()).length, 1);
          // close() stops the heartbeat without deregistering: what a crash looks like.
          await crashed.close();
          // Still there right after: only the TTL may remove it, not close().
          assert.equal(
            (await discovery.getService(view(a).service)).length,
            1,
            "close() must not deregister",
          );
          await watchUntil(watcher, (l) => l.length === 0, target.expiryMs!, "expiry");
        } finally {
          await watcher.stop();
        }
      } finally {
        await crashed.close();
        await discovery.close();
      }
    },
    target.expiryMs === undefined ? "no TTL: instances live as long as the process" : undefined,
  );

  test(
    "recovers after the backend restarts: re-registers, watchers keep delivering",
    async (backend) => {
      const events: RegistryEvent[] = [];
      const registrar = backend.registry(quiet(events));
      const discovery = backend.registry(quiet(events));
      try {
        const name = uniqueName();
        const a = make(name, 1);
        const b = make(name, 2);
        await registrar.register(a);
        const watcher = await discovery.watch(view(a).service);
        try {
          assert.equal((await watcher.next()).length, 1);
          await backend.restart!();
          await eventually(
            async () => (await discovery.getService(view(a).service)).length === 1,
            target.recoveryMs!,
            "instance registered again after restart",
          );
          await registrar.register(b);
          const both = await watchUntil(
            watcher,
            (l) => l.length === 2,
            target.recoveryMs!,
            "watcher delivers a registration made after the restart",
          );
          assert.deepEqual(
            ids(both),
            [view(a).instance.id, view(b).instance.id].sort(),
          );
          await registrar.deregister(b);
          await watchUntil(watcher, (l) => l.length === 1, target.changeMs, "remove b");
        } finally {
          await watcher.stop();
        }
      } finally {
        await registrar.close();
        await discovery.close();
      }
    },
    target.recoveryMs === undefined ? "no backend to restart" : undefined,
  );
}
