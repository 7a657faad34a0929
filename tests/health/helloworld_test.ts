// helloworld gets reflection and health for free, on Deno, Bun and Node: buf curl with no
// schema on all three protocols, grpc.health.v1 and the HTTP probes, and a SIGTERM that turns
// a watch NOT_SERVING while a stream still runs, then ends everything cleanly.
import assert from "node:assert/strict";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { HealthCheckResponse_ServingStatus as Status } from "../../internal/gen/grpc/health/v1/health_pb.ts";
import { bufCurl, grpc } from "../support/clients.ts";
import { openWatch } from "../support/health_watch.ts";
import { type Runtime, startHelloworld } from "../support/helloworld.ts";

const SAY = "/helloworld.v1.Greeter/SayHello";

for (const runtime of ["deno", "bun", "node"] as Runtime[]) {
  Deno.test(`helloworld on ${runtime}: reflection and health by default`, async (t) => {
    const hw = await startHelloworld(runtime);
    try {
      await t.step("buf curl without a schema, on every protocol", async () => {
        const calls = [["grpc", hw.grpc], ["connect", hw.http], ["grpcweb", hw.http]] as const;
        for (const [protocol, base] of calls) {
          const res = await bufCurl(protocol, base + SAY, { name: protocol }, {
            schema: "reflect",
          });
          assert.equal(res.code, 0, res.stderr);
          assert.deepEqual(res.messages, [{ message: `Hello ${protocol}` }]);
        }
        const health = await bufCurl("grpc", `${hw.grpc}/grpc.health.v1.Health/Check`, {
          service: "helloworld.v1.Greeter",
        }, { schema: "reflect" });
        assert.equal(health.code, 0, health.stderr);
        assert.deepEqual(health.messages, [{ status: "SERVING" }]);
      });

      await t.step("/healthz and /readyz", async () => {
        for (const path of ["/healthz", "/readyz"]) {
          const res = await fetch(hw.http + path);
          assert.equal(res.status, 200, path);
          assert.deepEqual(await res.json(), { status: "SERVING" });
        }
      });

      await t.step("SIGTERM: the watch turns NOT_SERVING, the stream still completes", async () => {
        const watch = openWatch(hw.grpcAddress, "");
        try {
          assert.equal(await watch.next(), Status.SERVING);
          const client = createClient(Greeter, createConnectTransport({ baseUrl: hw.http }));
          const stream = client.sayHelloStream({ name: "d", count: 6, intervalMs: 200 });
          const it = stream[Symbol.asyncIterator]();
          const got = [(await it.next()).value?.message];
          hw.child.kill("SIGTERM");
          assert.equal(await watch.next(), Status.NOT_SERVING);
          for (let r = await it.next(); !r.done; r = await it.next()) got.push(r.value.message);
          assert.equal(got.length, 6, got.join(", "));
          const status = await watch.status();
          assert.equal(status.code, grpc.status.OK, status.details);
          const exit = await hw.child.exited(15_000);
          assert.equal(exit.code, 0, hw.child.output);
        } catch (error) {
          throw new Error(`${error}\n${hw.child.output}`);
        } finally {
          watch.close();
        }
      });
    } finally {
      await hw.child.close();
    }
  });
}
