// The in-process registry against the conformance suite, plus what only it promises.
import assert from "node:assert/strict";
import { memory, RegistryError } from "../../registry/mod.ts";
import { runConformance } from "./conformance.ts";

runConformance({
  name: "memory",
  changeMs: 1_000,
  start() {
    // One store shared by every "process", as one memory() shared by registrar and discovery.
    const shared = memory();
    let closed = false;
    return Promise.resolve({
      registry: () => ({
        register: (i, s) => shared.register(i, s),
        deregister: (i, s) => shared.deregister(i, s),
        getService: (n, s) => shared.getService(n, s),
        watch: (n, s) => shared.watch(n, s),
        services: (s) => shared.services(s),
        close: () => Promise.resolve(),
      }),
      async close() {
        if (!closed) await shared.close();
        closed = true;
      },
    });
  },
});

Deno.test("memory: close() stops watchers and refuses further use", async () => {
  const registry = memory();
  const watcher = await registry.watch("svc");
  await watcher.next();
  const pending = watcher.next();
  await registry.close();
  await assert.rejects(pending, (e: unknown) => e instanceof RegistryError);
  await assert.rejects(
    registry.register({ id: "1", name: "svc", version: "", metadata: {}, endpoints: [] }),
    (e: unknown) => e instanceof RegistryError && e.code === "closed",
  );
});

Deno.test("memory: a watch whose signal aborts stops", async () => {
  const registry = memory();
  const controller = new AbortController();
  const watcher = await registry.watch("svc", controller.signal);
  await watcher.next();
  const pending = watcher.next();
  controller.abort();
  await assert.rejects(
    pending,
    (e: unknown) => e instanceof RegistryError && e.code === "watcher_stopped",
  );
  await registry.close();
});

Deno.test("memory: returned lists are copies", async () => {
  const registry = memory();
  await registry.register({
    id: "1",
    name: "svc",
    version: "v1",
    metadata: { a: "1" },
    endpoints: ["grpc://127.0.0.1:1"],
  });
  const [first] = await registry.getService("svc");
  (first.metadata as Record<string, string>).a = "changed";
  (first.endpoints as string[]).push("http://x:1");
  const [again] = await registry.getService("svc");
  assert.deepEqual(again.metadata, { a: "1" });
  assert.deepEqual(again.endpoints, ["grpc://127.0.0.1:1"]);
  assert.equal(registry.all().length, 1);
  await registry.close();
});
