// Graceful drain of a real process: SIGTERM while streams are in flight on both servers →
// every stream completes, new connections are refused, the process exits 0.
import assert from "node:assert/strict";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { type Runtime, startHelloworld } from "../support/helloworld.ts";

const COUNT = 8;
const INTERVAL_MS = 250;

async function refused(url: string, deadlineMs: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      const conn = await Deno.connect({ hostname, port: Number(port) });
      conn.close();
    } catch (e) {
      if (e instanceof Deno.errors.ConnectionRefused) return true;
      // A connection racing the listener's close is reset; try again.
      if (!(e instanceof Deno.errors.ConnectionReset)) throw e;
    }
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const runtime of ["deno", "bun", "node"] as Runtime[]) {
  Deno.test(`SIGTERM drains in-flight streams and exits 0 on ${runtime}`, async () => {
    const hw = await startHelloworld(runtime);
    try {
      const clients = [
        createClient(Greeter, createConnectTransport({ baseUrl: hw.http })),
        createClient(Greeter, createGrpcTransport({ baseUrl: hw.grpc })),
      ];
      const firsts: Promise<void>[] = [];
      const streams = clients.map((client, i) => {
        let first!: () => void;
        let failed!: (e: unknown) => void;
        firsts.push(new Promise<void>((resolve, reject) => ((first = resolve), (failed = reject))));
        const stream = (async () => {
          const got: string[] = [];
          for await (
            const r of client.sayHelloStream({
              name: `s${i}`,
              count: COUNT,
              intervalMs: INTERVAL_MS,
            })
          ) {
            got.push(r.message);
            if (got.length === 1) first();
          }
          return got;
        })();
        stream.catch(failed);
        return stream;
      });
      await Promise.all(firsts).catch((e) => {
        throw new Error(`a stream failed before SIGTERM: ${e}\n${hw.child.output}`);
      });
      hw.child.kill("SIGTERM");
      await hw.child.waitFor(/helloworld stopping/, 10_000);
      assert.ok(await refused(hw.http, 5_000), "HTTP listener still accepts connections");
      assert.ok(await refused(hw.grpc, 5_000), "gRPC listener still accepts connections");
      const results = await Promise.all(streams).catch((e) => {
        throw new Error(`stream failed after SIGTERM: ${e}\n${hw.child.output}`);
      });
      for (const [i, got] of results.entries()) {
        assert.equal(got.length, COUNT, `stream ${i} was cut short: ${got.join(", ")}`);
      }
      const status = await hw.child.exited(15_000);
      assert.equal(status.code, 0, hw.child.output);
      await hw.child.waitFor(/helloworld stopped/, 1_000);
    } finally {
      await hw.child.close();
    }
  });
}

Deno.test("a drain longer than the stop timeout is cut and the process still exits", async () => {
  const hw = await startHelloworld("deno", ["--stop-timeout", "300"]);
  try {
    const client = createClient(Greeter, createConnectTransport({ baseUrl: hw.http }));
    let first!: () => void;
    const started = new Promise<void>((r) => (first = r));
    const stream = (async () => {
      for await (
        const _ of client.sayHelloStream({ name: "long", count: 100, intervalMs: 5_000 })
      ) {
        first();
      }
    })();
    await started;
    hw.child.kill("SIGTERM");
    await assert.rejects(stream);
    const status = await hw.child.exited(15_000);
    assert.equal(status.code, 0, hw.child.output);
  } finally {
    await hw.child.close();
  }
});
