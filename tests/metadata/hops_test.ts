// Three real services A → B → C on 127.0.0.1, a different protocol on each hop (Connect,
// gRPC, gRPC-Web): x-md-global-* reaches C with all its values, x-md-local-* stops at B,
// constants and client-context keys travel, on unary and streaming calls.
import assert from "node:assert/strict";
import { createClient, type Transport } from "@connectrpc/connect";
import * as metadata from "../../metadata/mod.ts";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { startServers, type TestServers, transports } from "../support/servers.ts";

// Each service answers with what it saw, then what downstream saw, as JSON lines.
function service(hop: string, downstream: () => Transport | undefined) {
  const seen = () => `${hop}:${JSON.stringify(metadata.fromServerContext()?.toJSON() ?? {})}`;
  return {
    async sayHello(req: { name: string }) {
      metadata.appendToClientContext(`x-md-global-from-${hop}`, "1");
      const t = downstream();
      if (!t) return { message: seen() };
      const reply = await createClient(Greeter, t).sayHello({ name: req.name });
      return { message: `${seen()}\n${reply.message}` };
    },
    async *sayHelloStream(req: { name: string }) {
      yield { message: seen() };
      const t = downstream();
      if (!t) return;
      for await (const r of createClient(Greeter, t).sayHelloStream({ name: req.name, count: 1 })) {
        yield { message: r.message };
      }
    },
  };
}

Deno.test("metadata crosses three hops with Kratos's rules on every protocol", async (t) => {
  const server = [metadata.server()];
  const client = [metadata.client({ constants: { "x-md-global-caller": "atreus" } })];
  let c: TestServers | undefined;
  let b: TestServers | undefined;
  let a: TestServers | undefined;
  try {
    c = await startServers([[Greeter, service("C", () => undefined)]], server);
    const cRef = c;
    b = await startServers(
      [[Greeter, service("B", () => transports(cRef, client)["grpc-web"])]],
      server,
    );
    const bRef = b;
    a = await startServers([[Greeter, service("A", () => transports(bRef, client).grpc)]], server);
    const entry = createClient(Greeter, transports(a).connect);
    const headers = new Headers();
    headers.append("x-md-global-user", "alice");
    headers.append("x-md-global-user", "bob");
    headers.append("x-md-local-hop", "only-a");
    headers.append("x-unrelated", "never");

    const check = (lines: string[]) => {
      const hops = Object.fromEntries(lines.map((l) => {
        const i = l.indexOf(":");
        return [l.slice(0, i), JSON.parse(l.slice(i + 1))];
      }));
      assert.deepEqual(hops.A["x-md-global-user"], ["alice", "bob"]);
      assert.deepEqual(hops.A["x-md-local-hop"], ["only-a"]);
      assert.equal(hops.A["x-unrelated"], undefined);
      for (const hop of ["B", "C"]) {
        assert.deepEqual(hops[hop]["x-md-global-user"], ["alice", "bob"], `${hop} lost values`);
        assert.equal(hops[hop]["x-md-local-hop"], undefined, `x-md-local-* reached ${hop}`);
        assert.deepEqual(hops[hop]["x-md-global-caller"], ["atreus"]);
      }
      return hops;
    };

    await t.step("unary", async () => {
      const reply = await entry.sayHello({ name: "x" }, { headers });
      const hops = check(reply.message.split("\n"));
      assert.deepEqual(hops.B["x-md-global-from-a"], ["1"], "client context of A reaches B");
      assert.deepEqual(hops.C["x-md-global-from-a"], ["1"], "and crosses to C as a global key");
      assert.deepEqual(hops.C["x-md-global-from-b"], ["1"]);
    });
    await t.step("server streaming", async () => {
      const lines: string[] = [];
      for await (const r of entry.sayHelloStream({ name: "x" }, { headers })) lines.push(r.message);
      assert.equal(lines.length, 3);
      check(lines);
    });
  } finally {
    await a?.close();
    await b?.close();
    await c?.close();
  }
});
