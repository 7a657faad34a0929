// A REST call that arrives while the server drains gets a Kratos error body with 503, while
// the call already in flight still completes. The late call goes through `fetch` itself: the
// listener stops accepting connections once draining starts, so only a request already on
// its way (a kept-alive connection, an HTTP/2 stream, an edge runtime) can reach this answer.
import assert from "node:assert/strict";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { createHttpServer } from "../../transport/mod.ts";
import { setLogger } from "../../log/mod.ts";

Deno.test("REST while draining: 503 with {code, reason, message, metadata}", async () => {
  setLogger({ log() {} });
  let entered = () => {};
  const inside = new Promise<void>((r) => (entered = r));
  let release = () => {};
  const held = new Promise<void>((r) => (release = r));
  const impl = {
    async sayHello(req: { name: string }) {
      if (req.name === "slow") {
        entered();
        await held;
      }
      return { message: `Hello ${req.name}` };
    },
  };
  const server = createHttpServer({ address: "127.0.0.1:0", services: [[Greeter, impl as never]] });
  await server.start();
  const base = server.endpoint().href.replace(/\/$/, "");
  const slow = fetch(`${base}/helloworld/slow`);
  await inside;
  const stopping = server.stop();
  try {
    const res = await server.fetch(new Request(`${base}/helloworld/late`));
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), {
      code: 503,
      reason: "UNAVAILABLE",
      message: "the server is shutting down",
      metadata: {},
    });
  } finally {
    release();
  }
  const first = await slow;
  assert.equal(first.status, 200);
  assert.deepEqual(await first.json(), { message: "Hello slow" });
  await stopping;
});
