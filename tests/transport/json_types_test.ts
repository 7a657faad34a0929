// `jsonTypes`: JSON bodies carrying google.protobuf.Any need the types the Any may hold. The
// conformance service echoes its requests as Any, so a JSON call fails without them (naming the
// type) and works with them, on the fast path and on Connect-ES, over Connect and gRPC-Web.
import assert from "node:assert/strict";
import { createHttpServer } from "../../transport/mod.ts";
import { ConformanceService } from "../conformance/gen/connectrpc/conformance/v1/service_pb.ts";
import { conformanceService, requestTypes } from "../conformance/server/service.ts";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";

const UNARY = "/connectrpc.conformance.v1.ConformanceService/Unary";
const body = JSON.stringify({ responseDefinition: { responseData: "aGk=" } });

async function withServer(
  options: { fastPath: boolean; jsonTypes?: typeof requestTypes },
  fn: (base: string) => Promise<void>,
) {
  const server = createHttpServer({
    address: "127.0.0.1:0",
    services: [[ConformanceService, conformanceService()]],
    ...options,
  });
  await server.start();
  try {
    await fn(server.endpoint().href.replace(/\/$/, ""));
  } finally {
    await server.stop();
  }
}

function grpcWebFrame(text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  const out = new Uint8Array(5 + bytes.length);
  new DataView(out.buffer).setUint32(1, bytes.length);
  out.set(bytes, 5);
  return out;
}

for (const fastPath of [true, false]) {
  const path = fastPath ? "fast path" : "Connect-ES";
  Deno.test(`jsonTypes: Any in JSON replies (${path})`, async () => {
    await withServer({ fastPath, jsonTypes: requestTypes }, async (base) => {
      const res = await fetch(base + UNARY, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      assert.equal(res.status, 200);
      const reply = await res.json();
      assert.equal(reply.payload.data, "aGk=");
      assert.equal(
        reply.payload.requestInfo.requests[0]["@type"],
        "type.googleapis.com/connectrpc.conformance.v1.UnaryRequest",
      );
      const web = await fetch(base + UNARY, {
        method: "POST",
        headers: { "content-type": "application/grpc-web+json" },
        body: grpcWebFrame(body) as Uint8Array<ArrayBuffer>,
      });
      const text = new TextDecoder().decode(await web.arrayBuffer());
      assert.match(text, /grpc-status: 0/);
      assert.match(text, /connectrpc\.conformance\.v1\.UnaryRequest/);
    });
  });

  Deno.test(`jsonTypes: without them a JSON Any fails and names the type (${path})`, async () => {
    await withServer({ fastPath }, async (base) => {
      const res = await fetch(base + UNARY, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      const reply = await res.json();
      assert.equal(res.status, 500);
      assert.equal(reply.code, "internal");
      assert.match(
        reply.message,
        /connectrpc\.conformance\.v1\.UnaryRequest.*not in the type registry/,
      );
      // The binary codec needs no types: the same call in proto works.
      const proto = await fetch(base + UNARY, {
        method: "POST",
        headers: { "content-type": "application/proto" },
        body: new Uint8Array(0),
      });
      assert.equal(proto.status, 200);
      await proto.body?.cancel();
    });
  });
}

Deno.test("jsonTypes must be message descriptors", () => {
  assert.throws(
    () => createHttpServer({ jsonTypes: [Greeter as never] }),
    { name: "TypeError", message: /jsonTypes must be an array of message descriptors/ },
  );
});
