// The protocol matrix: {Connect, gRPC-Web, gRPC} × {unary, server stream} × {Deno, Bun, Node 24},
// driven by buf curl, @grpc/grpc-js and Connect-ES clients against helloworld over real sockets.
import assert from "node:assert/strict";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { bufCurl, grpcJsClient } from "../support/clients.ts";
import { type Runtime, startHelloworld } from "../support/helloworld.ts";

const SAY = "/helloworld.v1.Greeter/SayHello";
const STREAM = "/helloworld.v1.Greeter/SayHelloStream";
const streamed = (name: string) => [1, 2, 3].map((i) => ({ message: `Hello ${name} (${i}/3)` }));

for (const runtime of ["deno", "bun", "node"] as Runtime[]) {
  Deno.test(`protocol matrix on ${runtime}`, async (t) => {
    const hw = await startHelloworld(runtime);
    try {
      await t.step("buf curl: Connect and gRPC-Web on the HTTP server", async () => {
        for (const protocol of ["connect", "grpcweb"] as const) {
          const unary = await bufCurl(protocol, hw.http + SAY, { name: protocol });
          assert.equal(unary.code, 0, unary.stderr);
          assert.deepEqual(unary.messages, [{ message: `Hello ${protocol}` }]);
          const stream = await bufCurl(protocol, hw.http + STREAM, { name: protocol, count: 3 });
          assert.equal(stream.code, 0, stream.stderr);
          assert.deepEqual(stream.messages, streamed(protocol));
        }
      });
      await t.step("buf curl: all three protocols on the gRPC server (h2c)", async () => {
        for (const protocol of ["grpc", "connect", "grpcweb"] as const) {
          const unary = await bufCurl(protocol, hw.grpc + SAY, { name: protocol }, { http2: true });
          assert.equal(unary.code, 0, unary.stderr);
          assert.deepEqual(unary.messages, [{ message: `Hello ${protocol}` }]);
          const stream = await bufCurl(protocol, hw.grpc + STREAM, { name: protocol, count: 3 }, {
            http2: true,
          });
          assert.equal(stream.code, 0, stream.stderr);
          assert.deepEqual(stream.messages, streamed(protocol));
        }
      });
      await t.step(
        "buf curl: native gRPC on the HTTP server gets a clear Unimplemented",
        async () => {
          const res = await bufCurl("grpc", hw.http + SAY, { name: "x" });
          assert.notEqual(res.code, 0);
          assert.equal(res.error?.code, "unimplemented", res.stderr);
          assert.match(res.error!.message, /cannot send HTTP trailers/);
        },
      );
      await t.step("REST from google.api.http: unary and NDJSON stream", async () => {
        const res = await fetch(`${hw.http}/helloworld/rest`);
        assert.deepEqual(await res.json(), { message: "Hello rest" });
        const stream = await fetch(`${hw.http}/helloworld/rest/stream?count=3`);
        const lines = (await stream.text()).trim().split("\n").map((l) => JSON.parse(l));
        assert.deepEqual(lines, streamed("rest"));
        const doc = await (await fetch(`${hw.http}/openapi.json`)).json();
        assert.ok(doc.paths["/helloworld/{name}"]);
      });
      await t.step("@grpc/grpc-js client on the gRPC server", async () => {
        const client = grpcJsClient(Greeter, hw.grpcAddress);
        try {
          const { message } = await client.unary("sayHello", { name: "grpc-js" });
          assert.equal(message.message, "Hello grpc-js");
          const messages = await client.serverStream("sayHelloStream", {
            name: "grpc-js",
            count: 3,
          });
          assert.deepEqual(
            messages.map((m) => ({ message: m.message })),
            streamed("grpc-js"),
          );
        } finally {
          client.close();
        }
      });
      await t.step("gRPC server stream larger than the HTTP/2 window arrives whole", async () => {
        // 100 × ~4 KB is six times the 64 KB default window, so flow control must move it.
        const name = "x".repeat(4096);
        const client = grpcJsClient(Greeter, hw.grpcAddress);
        try {
          const messages = await client.serverStream("sayHelloStream", { name, count: 100 });
          assert.equal(messages.length, 100);
          messages.forEach((m, i) => assert.equal(m.message, `Hello ${name} (${i + 1}/100)`));
        } finally {
          client.close();
        }
      });
      await t.step("Connect-ES clients: Connect (JSON, binary, GET), gRPC-Web, gRPC", async () => {
        const transports = {
          connect: createConnectTransport({ baseUrl: hw.http }),
          binary: createConnectTransport({ baseUrl: hw.http, useBinaryFormat: true }),
          get: createConnectTransport({ baseUrl: hw.http, useHttpGet: true }),
          grpcweb: createGrpcWebTransport({ baseUrl: hw.http }),
          grpc: createGrpcTransport({ baseUrl: hw.grpc }),
        };
        for (const [name, transport] of Object.entries(transports)) {
          const client = createClient(Greeter, transport);
          assert.equal((await client.sayHello({ name })).message, `Hello ${name}`);
          const got = [];
          for await (const r of client.sayHelloStream({ name, count: 3 })) {
            got.push({ message: r.message });
          }
          assert.deepEqual(got, streamed(name), name);
        }
      });
    } finally {
      await hw.child.close();
    }
  });
}
