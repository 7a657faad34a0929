// The resolver between discovery and a selector: lists flow in, outages keep the last list.
import assert from "node:assert/strict";
import {
  type Discovery,
  memory,
  RegistryError,
  type ServiceInstance,
  type Watcher,
} from "../../registry/mod.ts";
import { createSelector, startResolver } from "../../selector/mod.ts";
import { eventually } from "../support/wait.ts";
import { instance } from "../support/selector.ts";

Deno.test("resolver: applies the first list before resolving, then every change", async () => {
  const registry = memory();
  await registry.register(
    instance("a", 1, { endpoints: ["http://10.0.0.1:8000", "grpc://10.0.0.1:9000"] }),
  );
  const selector = createSelector({ service: "svc" });
  const resolver = await startResolver(registry, "svc", selector, { schemes: ["grpc"] });
  try {
    assert.deepEqual(selector.nodes().map((n) => n.endpoint), ["grpc://10.0.0.1:9000"]);
    assert.equal(selector.pick().node.instanceId, "a");
    await registry.register(instance("b", 2));
    await eventually(() => Promise.resolve(selector.nodes().length === 2), 1_000, "b applied");
    await registry.deregister(instance("a", 1));
    await registry.deregister(instance("b", 2));
    await eventually(() => Promise.resolve(selector.nodes().length === 0), 1_000, "to empty");
  } finally {
    await resolver.stop();
    await registry.close();
  }
});

Deno.test("resolver: a broken watch keeps the last list and is reopened", async () => {
  const lists: ServiceInstance[][] = [[instance("a", 1)]];
  const errors: Error[] = [];
  let watches = 0;
  // A discovery whose first watcher breaks after its first list, as a registry outage might.
  const flaky: Discovery = {
    getService: () => Promise.resolve(lists[0]),
    watch() {
      const n = ++watches;
      let calls = 0;
      let rejectPending: (e: Error) => void = () => {};
      const watcher: Watcher = {
        next() {
          calls++;
          if (calls === 1) return Promise.resolve(n === 1 ? lists[0] : [instance("c", 3)]);
          if (n === 1) return Promise.reject(new RegistryError("unavailable", "registry down"));
          return new Promise((_, reject) => (rejectPending = reject));
        },
        stop() {
          rejectPending(new RegistryError("watcher_stopped", "stopped"));
          return Promise.resolve();
        },
      };
      return Promise.resolve(watcher);
    },
  };
  const selector = createSelector();
  const applied: number[] = [];
  const apply = selector.apply;
  selector.apply = (nodes) => {
    applied.push(nodes.length);
    apply(nodes);
  };
  const resolver = await startResolver(flaky, "svc", selector, {
    backoff: { initialMs: 10 },
    onError: (e) => errors.push(e),
  });
  try {
    await eventually(() => Promise.resolve(watches === 2), 2_000, "re-watched");
    await eventually(
      () => Promise.resolve(selector.nodes()[0]?.instanceId === "c"),
      2_000,
      "new watcher's list applied",
    );
    assert.ok(errors.some((e) => /registry down/.test(e.message)));
    assert.deepEqual(applied, [1, 1], "the outage never emptied the selector");
  } finally {
    await resolver.stop();
  }
});

Deno.test("resolver: rejects when the first watch cannot be opened", async () => {
  const down: Discovery = {
    getService: () => Promise.reject(new RegistryError("unavailable", "down")),
    watch: () => Promise.reject(new RegistryError("unavailable", "down")),
  };
  await assert.rejects(
    startResolver(down, "svc", createSelector()),
    (e: unknown) => e instanceof RegistryError && e.code === "unavailable",
  );
});
