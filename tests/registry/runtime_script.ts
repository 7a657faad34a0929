// Run by runtime_test.ts under Node and Bun: the etcd adapter and a selector fed by it, using
// only what every runtime has (fetch, streams, AbortSignal). ETCD_ENDPOINT comes from the test.
import process from "node:process";
import { etcd } from "../../registry/mod.ts";
import { createSelector, p2c, startResolver } from "../../selector/mod.ts";

const endpoint = process.env.ETCD_ENDPOINT!;
const registry = etcd({ endpoint, ttlMs: 5_000 });
const name = `rt-${process.pid}`;
const instance = {
  id: "1",
  name,
  version: "v1",
  metadata: {},
  endpoints: ["grpc://127.0.0.1:9000"],
};
const selector = createSelector({ service: name, balancer: p2c() });
const resolver = await startResolver(registry, name, selector, { schemes: ["grpc"] });
const deadline = Date.now() + 10_000;
const until = async (cond: () => boolean, what: string) => {
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
await registry.register(instance);
await until(() => selector.nodes().length === 1, "registration reaches the selector");
const picked = selector.pick();
picked.done({ latencyMs: 3 });
await registry.deregister(instance);
await until(() => selector.nodes().length === 0, "removal reaches the selector");
await resolver.stop();
await registry.close();
console.log(`picked ${picked.node.address}, removal seen`);
