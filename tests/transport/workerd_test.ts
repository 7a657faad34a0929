// helloworld on workerd (Cloudflare's runtime): the bundle built by `deno task build:worker`
// serves Connect and gRPC-Web, health and reflection included; native gRPC gets a clear
// Trailers-Only Unimplemented.
import assert from "node:assert/strict";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { brotliCompressSync } from "node:zlib";
import { UnaryRequestSchema } from "../conformance/gen/connectrpc/conformance/v1/service_pb.ts";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { createConnectTransport as createNodeConnectTransport } from "@connectrpc/connect-node";
import {
  Health,
  HealthCheckResponse_ServingStatus,
} from "../../internal/gen/grpc/health/v1/health_pb.ts";
import { ServerReflection } from "../../internal/gen/grpc/reflection/v1/reflection_pb.ts";
import { bufCurl } from "../support/clients.ts";
import { run } from "../support/process.ts";
import { root } from "../support/tools.ts";
import { bundleWorker, startWorkerd, workerdConfig } from "../support/workerd.ts";

Deno.test("helloworld on workerd: Connect and gRPC-Web work, gRPC is refused clearly", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "atreus-workerd-" });
  const build = await run(Deno.execPath(), ["task", "build:worker"], {
    cwd: root,
    timeoutMs: 120_000,
  });
  assert.equal(build.code, 0, build.stderr);
  const config = await Deno.readTextFile(`${root}examples/helloworld/workerd.capnp`);
  // workerd resolves embeds relative to the config, so both go into one temp dir.
  await Deno.copyFile(`${root}dist/helloworld-worker.js`, `${dir}/worker.js`);
  const workerd = await startWorkerd(
    dir,
    (port) =>
      config.replace("127.0.0.1:8787", `127.0.0.1:${port}`)
        .replace("../../dist/helloworld-worker.js", "worker.js"),
  );
  const base = workerd.base;
  try {
    await t.step("buf curl over Connect and gRPC-Web, unary and stream", async () => {
      for (const protocol of ["connect", "grpcweb"] as const) {
        const unary = await bufCurl(protocol, `${base}/helloworld.v1.Greeter/SayHello`, {
          name: "edge",
        });
        assert.equal(unary.code, 0, unary.stderr);
        assert.deepEqual(unary.messages, [{ message: "Hello edge" }]);
        const stream = await bufCurl(protocol, `${base}/helloworld.v1.Greeter/SayHelloStream`, {
          name: "edge",
          count: 2,
        });
        assert.equal(stream.code, 0, stream.stderr);
        assert.deepEqual(stream.messages, [
          { message: "Hello edge (1/2)" },
          { message: "Hello edge (2/2)" },
        ]);
      }
    });
    await t.step("Connect-ES web transports", async () => {
      for (
        const transport of [
          createConnectTransport({ baseUrl: base }),
          createGrpcWebTransport({ baseUrl: base }),
        ]
      ) {
        const reply = await createClient(Greeter, transport).sayHello({ name: "web" });
        assert.equal(reply.message, "Hello web");
      }
    });
    await t.step("health and reflection over Connect", async () => {
      const check = await createClient(Health, createConnectTransport({ baseUrl: base })).check({});
      assert.equal(check.status, HealthCheckResponse_ServingStatus.SERVING);
      for (const path of ["/healthz", "/readyz"]) {
        const res = await fetch(base + path);
        assert.equal(res.status, 200, path);
        assert.deepEqual(await res.json(), { status: "SERVING" });
      }
      // workerd has no h2c, so reflection runs half duplex: every query first, then answers.
      const reflection = createClient(
        ServerReflection,
        createNodeConnectTransport({ baseUrl: base, httpVersion: "1.1" }),
      );
      async function* queries() {
        yield { messageRequest: { case: "listServices" as const, value: "" } };
        yield {
          messageRequest: {
            case: "fileContainingSymbol" as const,
            value: "helloworld.v1.HelloRequest",
          },
        };
      }
      const answers = [];
      for await (const a of reflection.serverReflectionInfo(queries())) answers.push(a);
      assert.equal(answers.length, 2);
      const [list, file] = answers.map((a) => a.messageResponse);
      assert.ok(
        list.case === "listServicesResponse" &&
          list.value.service.some((s) => s.name === "helloworld.v1.Greeter"),
        JSON.stringify(list),
      );
      assert.equal(file.case, "fileDescriptorResponse");
      const first = fromBinary(FileDescriptorProtoSchema, file.value.fileDescriptorProto[0]);
      assert.equal(first.name, "helloworld/v1/greeter.proto");
    });
    await t.step("a native gRPC request gets Trailers-Only grpc-status 12", async () => {
      // workerd speaks no h2c, so HTTP/2 gRPC clients cannot connect at all; a gRPC request
      // that does arrive (over HTTP/1.1, as an edge proxy may forward it) is refused clearly.
      const res = await fetch(`${base}/helloworld.v1.Greeter/SayHello`, {
        method: "POST",
        headers: { "content-type": "application/grpc", te: "trailers" },
        body: new Uint8Array([0, 0, 0, 0, 3, 10, 1, 120]),
      });
      await res.body?.cancel();
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("grpc-status"), "12");
      assert.match(
        decodeURIComponent(res.headers.get("grpc-message") ?? ""),
        /Workers cannot send HTTP trailers/,
      );
    });
  } finally {
    await workerd.close();
  }
});

Deno.test("workerd: compressed Connect replies and requests (fast path and Connect-ES)", async () => {
  // workerd compresses a body again as its content-encoding names unless the Response says
  // the encoding is done ("manual"); the conformance worker serves both unary paths.
  const bundle = await Deno.makeTempFile({ prefix: "atreus-conformance-worker-", suffix: ".js" });
  await bundleWorker(`${root}tests/conformance/server/worker.ts`, bundle);
  try {
    for (const fastPath of ["true", "false"]) {
      const dir = await Deno.makeTempDir({ prefix: "atreus-workerd-" });
      await Deno.copyFile(bundle, `${dir}/worker.js`);
      const workerd = await startWorkerd(
        dir,
        (port) =>
          workerdConfig(port, { bindings: { FAST_PATH: fastPath, READ_MAX_BYTES: "8000" } }),
      );
      try {
        const data = btoa("z".repeat(3000)); // well over the 1 KiB compression threshold
        const res = await fetch(
          `${workerd.base}/connectrpc.conformance.v1.ConformanceService/Unary`,
          {
            method: "POST",
            headers: { "content-type": "application/json", "accept-encoding": "gzip" },
            body: JSON.stringify({ responseDefinition: { responseData: data } }),
          },
        );
        assert.equal(res.status, 200, `fastPath ${fastPath}`);
        assert.equal(res.headers.get("content-encoding"), "gzip");
        // fetch inflates once; a body compressed twice would not be JSON.
        const reply = await res.json();
        assert.equal(reply.payload.data, data, `fastPath ${fastPath}`);
        // A br request past the limit once inflated is ResourceExhausted; workerd's node:zlib
        // reports the limit as a bare RangeError, which once read as bad data.
        const bomb = brotliCompressSync(
          toBinary(
            UnaryRequestSchema,
            create(UnaryRequestSchema, { requestData: new Uint8Array(20_000) }),
          ),
        );
        const big = await fetch(
          `${workerd.base}/connectrpc.conformance.v1.ConformanceService/Unary`,
          {
            method: "POST",
            headers: { "content-type": "application/proto", "content-encoding": "br" },
            body: new Uint8Array(bomb),
          },
        );
        assert.equal(big.status, 429, `fastPath ${fastPath}`);
        assert.equal((await big.json()).code, "resource_exhausted");
      } finally {
        await workerd.close();
      }
    }
  } finally {
    await Deno.remove(bundle);
  }
});
