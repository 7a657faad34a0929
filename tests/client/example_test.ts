// examples/registry end to end, as the README runs it: a real etcd, two helloworld instances
// and the gateway as child processes. Calls through the gateway reach both instances; a
// SIGTERM to one instance under load fails no call.
import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";
import { fromError } from "../../errors/mod.ts";
import { createClient } from "../../transport/client/mod.ts";
import { Gateway } from "../../examples/registry/gen/gateway/v1/gateway_pb.ts";
import { startEtcd } from "../support/etcd.ts";
import { Child } from "../support/process.ts";
import { root } from "../support/tools.ts";
import { until } from "../support/client.ts";

function deno(name: string, entry: string, args: string[]): Child {
  return new Child(name, Deno.execPath(), ["run", "-A", `examples/registry/${entry}`, ...args], {
    cwd: root,
  });
}

Deno.test("registry example: gateway → discovery:///helloworld over etcd, SIGTERM fails no call", async () => {
  const etcd = await startEtcd();
  const children: Child[] = [];
  const spawn = (name: string, entry: string, args: string[]) => {
    const child = deno(name, entry, ["--etcd", etcd.endpoint, ...args]);
    children.push(child);
    return child;
  };
  try {
    const [h1, h2] = [
      spawn("helloworld-1", "helloworld.ts", []),
      spawn("helloworld-2", "helloworld.ts", []),
    ];
    const serving = /helloworld \S+ serving http:\/\/\S+ grpc:\/\/(\S+) \(registered in etcd\)/;
    const backends = [
      (await h1.waitFor(serving, 60_000))[1],
      (await h2.waitFor(serving, 60_000))[1],
    ];
    const gw = spawn("gateway", "gateway.ts", ["--http", "127.0.0.1:0", "--grpc", "127.0.0.1:0"]);
    const [, http] = await gw.waitFor(/gateway serving (http:\/\/\S+) grpc:\/\/\S+/, 60_000);
    const client = createClient(Gateway, { endpoint: http, timeoutMs: 10_000 });
    try {
      const seen = new Set<string>();
      for (let i = 0; i < 6; i++) {
        const reply = await client.greet({ name: "atreus" });
        assert.equal(reply.message, "Hello atreus");
        seen.add(reply.backend);
      }
      assert.deepEqual(
        [...seen].sort(),
        [...backends].sort(),
        "calls did not reach both instances",
      );

      // helloworld's errors cross the gateway with their Kratos reason.
      const err = await client.greet({ name: "nobody" }).then(() => undefined, (e) => e);
      assert.ok(err instanceof ConnectError);
      assert.equal(err.code, Code.NotFound);
      assert.equal(fromError(err).reason, "USER_NOT_FOUND");

      // Load on the gateway while one instance gets SIGTERM.
      let calls = 0;
      const failures: unknown[] = [];
      let running = true;
      const workers = Array.from({ length: 4 }, async () => {
        while (running) {
          calls++;
          await client.greet({ name: "load" }).catch((e) => failures.push(e));
        }
      });
      await until(() => calls >= 100, 20_000, "load started");
      h1.kill("SIGTERM");
      const status = await h1.exited(20_000);
      const afterExit = calls;
      await until(() => calls >= afterExit + 100, 20_000, "load continued after the exit");
      running = false;
      await Promise.all(workers);
      console.log(
        `registry example: ${calls} calls through the gateway, ${failures.length} failed`,
      );
      assert.equal(status.code, 0, h1.output);
      assert.match(h1.output, /helloworld stopped/);
      assert.deepEqual(failures.map(String), []);
      const reply = await client.greet({ name: "after" });
      assert.equal(reply.backend, backends[1]);
    } finally {
      await client.close();
    }
    gw.kill("SIGTERM");
    assert.equal((await gw.exited(20_000)).code, 0, gw.output);
    assert.match(gw.output, /gateway stopped/);
  } finally {
    for (const child of children) await child.close();
    await etcd.close();
  }
});
