// Scenario 4 (part): a Go Kratos instance killed with SIGKILL leaves an Atreus client's picks
// once etcd expires its lease (Kratos's registrar never deregisters it), for v2 and v3.
import assert from "node:assert/strict";
import { etcd } from "../../../registry/mod.ts";
import { createClient } from "../../../transport/mod.ts";
import { ETCD_36, startEtcd } from "../../support/etcd.ts";
import { eventually } from "../../registry/wait.ts";
import { Greeter } from "./gen/interop/v1/greeter_pb.ts";
import { majors, startGoServer } from "./go_peers.ts";

const TTL = 3;

for (const major of majors) {
  Deno.test(`kratos ${major}: a SIGKILLed Go instance leaves Atreus's picks within its lease TTL`, async () => {
    const server = await startEtcd(ETCD_36);
    const registry = etcd({ endpoint: server.endpoint });
    const o = { etcd: server.endpoint, name: "go-life", ttl: TTL };
    const a = await startGoServer(major, { ...o, id: "go-a" });
    const b = await startGoServer(major, { ...o, id: "go-b" });
    const client = createClient(Greeter, {
      endpoint: "discovery:///go-life",
      discovery: registry,
      protocol: "grpc",
    });
    try {
      const seen = new Set<string>();
      await eventually(
        async () => {
          seen.add((await client.sayHello({ name: "x" })).server);
          return seen.size === 2;
        },
        5_000,
        "both instances picked",
      );
      a.child.kill("SIGKILL");
      const killed = Date.now();
      await eventually(
        async () => (await registry.getService("go-life")).every((i) => i.id !== "go-a"),
        TTL * 1000 + 2_000,
        "the killed instance's lease expires",
      );
      const gone = Date.now() - killed;
      console.log(`SIGKILLed Kratos ${major} instance left etcd after ${gone} ms (TTL ${TTL} s)`);
      for (let i = 0; i < 20; i++) {
        assert.equal((await client.sayHello({ name: "x" })).server, "go-b");
      }
    } finally {
      await client.close();
      await b.child.close();
      await a.child.close();
      await registry.close();
      await server.close();
    }
  });
}
