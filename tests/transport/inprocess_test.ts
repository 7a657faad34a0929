// The HTTP and gRPC servers in this Deno process, driven by Connect-ES clients over real
// sockets on 127.0.0.1: Connect and gRPC-Web over HTTP, gRPC over node:http2.
import assert from "node:assert/strict";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  createGrpcServer,
  createHttpServer,
  fromServerContext,
  serverTransportKey,
} from "../../transport/mod.ts";
import * as metadata from "../../metadata/mod.ts";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { GreeterService } from "../../examples/helloworld/internal/service/greeter.ts";

Deno.test("in-process servers answer every protocol, unary and stream", async () => {
  const services = [[Greeter, new GreeterService()]] as const;
  const http = createHttpServer({ address: "127.0.0.1:0", services });
  const grpc = createGrpcServer({ address: "127.0.0.1:0", services });
  await http.start();
  await grpc.start();
  try {
    const httpUrl = http.endpoint().href.replace(/\/$/, "");
    const grpcUrl = grpc.endpoint().href.replace(/^grpc:/, "http:").replace(/\/$/, "");
    const transports = {
      connect: createConnectTransport({ baseUrl: httpUrl }),
      connectBinary: createConnectTransport({ baseUrl: httpUrl, useBinaryFormat: true }),
      connectGet: createConnectTransport({ baseUrl: httpUrl, useHttpGet: true }),
      grpcWeb: createGrpcWebTransport({ baseUrl: httpUrl }),
      grpc: createGrpcTransport({ baseUrl: grpcUrl }),
    };
    for (const [name, transport] of Object.entries(transports)) {
      const client = createClient(Greeter, transport);
      const reply = await client.sayHello({ name });
      assert.equal(reply.message, `Hello ${name}`, name);
      const messages: string[] = [];
      for await (const r of client.sayHelloStream({ name, count: 3 })) messages.push(r.message);
      assert.deepEqual(messages, [1, 2, 3].map((i) => `Hello ${name} (${i}/3)`), name);
      await assert.rejects(
        async () => {
          for await (const _ of client.sayHelloStream({ name, count: 1000 })) { /* drain */ }
        },
        (e: unknown) => e instanceof ConnectError && e.code === Code.InvalidArgument,
      );
    }
  } finally {
    await http.stop();
    await grpc.stop();
  }
});

Deno.test("transport info reaches handlers and middleware", async () => {
  const seen: string[] = [];
  const impl = {
    sayHello() {
      const info = fromServerContext();
      info?.replyHeader.set("x-handler-kind", info.kind);
      return { message: `${info?.kind} ${info?.operation}` };
    },
  };
  const middleware = [
    (next: (r: never) => Promise<never>) => async (req: never) => {
      const info = fromServerContext();
      seen.push(`${info?.kind}:${info?.operation}`);
      return await next(req);
    },
  ];
  const services = [[Greeter, impl]] as const;
  const http = createHttpServer({
    address: "127.0.0.1:0",
    services,
    middleware: middleware as never,
  });
  const grpc = createGrpcServer({
    address: "127.0.0.1:0",
    services,
    middleware: middleware as never,
  });
  await http.start();
  await grpc.start();
  try {
    const base = http.endpoint().href.replace(/\/$/, "");
    const gbase = grpc.endpoint().href.replace(/^grpc:/, "http:").replace(/\/$/, "");
    for (
      const [kind, transport] of [
        ["connect", createConnectTransport({ baseUrl: base })],
        ["grpc-web", createGrpcWebTransport({ baseUrl: base })],
        ["grpc", createGrpcTransport({ baseUrl: gbase })],
      ] as const
    ) {
      let header: Headers | undefined;
      const reply = await createClient(Greeter, transport).sayHello({ name: "x" }, {
        onHeader: (h) => (header = h),
      });
      assert.equal(reply.message, `${kind} /helloworld.v1.Greeter/SayHello`);
      assert.equal(header?.get("x-handler-kind"), kind);
    }
    assert.deepEqual(seen, [
      "connect:/helloworld.v1.Greeter/SayHello",
      "grpc-web:/helloworld.v1.Greeter/SayHello",
      "grpc:/helloworld.v1.Greeter/SayHello",
    ]);
  } finally {
    await http.stop();
    await grpc.stop();
  }
});

Deno.test("a unary call's per-call context is dropped once it returns", async () => {
  // Values a finished request keeps reachable would keep the request alive (see markCallScoped).
  let values: { get(key: unknown): unknown } | undefined;
  const impl = {
    sayHello(_req: unknown, ctx: { values: typeof values }) {
      values = ctx.values;
      return { message: "ok" };
    },
  };
  const http = createHttpServer({
    address: "127.0.0.1:0",
    services: [[Greeter, impl as never]],
    middleware: [metadata.server()],
  });
  await http.start();
  try {
    const client = createClient(
      Greeter,
      createConnectTransport({ baseUrl: http.endpoint().href.replace(/\/$/, "") }),
    );
    await client.sayHello({ name: "x" }, { headers: { "x-md-global-a": "1" } });
    assert.ok(values, "the handler ran");
    assert.equal(values.get(metadata.serverMetadataKey), undefined, "metadata dropped");
    assert.equal(values.get(serverTransportKey), undefined, "transport info dropped");
  } finally {
    await http.stop();
  }
});
