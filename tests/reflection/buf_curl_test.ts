// buf curl with no schema at all: everything it knows comes from server reflection, over gRPC
// on the gRPC server and over Connect and gRPC-Web on the HTTP server (buf curl reflects over
// the protocol of the call, on h2c).
import assert from "node:assert/strict";
import { loadShop } from "../support/reflection_fixture.ts";
import { bufCurl } from "../support/clients.ts";
import { run } from "../support/process.ts";
import { startServers } from "../support/servers.ts";
import { BUF } from "../support/tools.ts";
import { createGrpcServer, createHttpServer } from "../../transport/mod.ts";
import { ServerReflection } from "../../internal/gen/grpc/reflection/v1/reflection_pb.ts";

const shop = await loadShop();
const PROTOCOLS = [["grpc", "grpc"], ["connect", "http"], ["grpcweb", "http"]] as const;

function curl(args: string[]) {
  return run(BUF, ["curl", ...args], { timeoutMs: 20_000 });
}

Deno.test("buf curl via reflection only, on every protocol", async (t) => {
  const servers = await startServers([shop.registration]);
  try {
    for (const [protocol, server] of PROTOCOLS) {
      const base = servers[server];
      await t.step(`${protocol}: unary call with nested messages, enums and a oneof`, async () => {
        const res = await bufCurl(
          protocol,
          `${base}/fixture.shop.v1.Shop/GetOrder`,
          { id: "o-1" },
          {
            schema: "reflect",
          },
        );
        assert.equal(res.code, 0, res.stderr);
        assert.deepEqual(res.messages, [{
          id: "o-1",
          lines: [{ sku: "apple", quantity: 3, price: { currency: "EUR", units: "2" } }],
          state: "STATE_OPEN",
          pickupStore: "central",
        }]);
      });
      await t.step(`${protocol}: bidi stream`, async () => {
        const out = await curl([
          "--protocol",
          protocol,
          "-d",
          '{"text":"hi"} {"text":"bye"}',
          `${base}/fixture.shop.v1.Shop/Chat`,
        ]);
        assert.equal(out.code, 0, out.stderr);
        const texts = out.stdout.trim().split(/\n(?=\{)/).map((m) => JSON.parse(m).text);
        assert.deepEqual(texts, ["you said hi", "you said bye"]);
      });
      await t.step(`${protocol}: --list-services and --list-methods`, async () => {
        const services = await curl(["--protocol", protocol, "--list-services", base]);
        assert.equal(services.code, 0, services.stderr);
        assert.deepEqual(services.stdout.trim().split("\n"), [
          "fixture.shop.v1.Shop",
          "grpc.health.v1.Health",
          "grpc.reflection.v1.ServerReflection",
          "grpc.reflection.v1alpha.ServerReflection",
        ]);
        const methods = await curl(["--protocol", protocol, "--list-methods", base]);
        assert.equal(methods.code, 0, methods.stderr);
        const listed = methods.stdout.trim().split("\n");
        for (const m of ["fixture.shop.v1.Shop/GetOrder", "fixture.shop.v1.Shop/Chat"]) {
          assert.ok(listed.includes(m), `${m} missing from ${listed.join(", ")}`);
        }
      });
      await t.step(`${protocol}: the v1alpha protocol too`, async () => {
        const out = await curl([
          "--protocol",
          protocol,
          "--reflect-protocol",
          "grpc-v1alpha",
          "--list-services",
          base,
        ]);
        assert.equal(out.code, 0, out.stderr);
        assert.ok(out.stdout.includes("fixture.shop.v1.Shop"), out.stdout);
      });
      await t.step(`${protocol}: an unknown service is reported by name`, async () => {
        const res = await bufCurl(protocol, `${base}/fixture.shop.v1.Nope/GetOrder`, {}, {
          schema: "reflect",
        });
        assert.notEqual(res.code, 0);
        assert.match(res.stderr, /fixture\.shop\.v1\.Nope/);
      });
    }
  } finally {
    await servers.close();
  }
});

Deno.test("reflection: false serves no reflection, and buf curl says so", async () => {
  const http = createHttpServer({
    address: "127.0.0.1:0",
    services: [shop.registration],
    reflection: false,
  });
  const grpc = createGrpcServer({
    address: "127.0.0.1:0",
    services: [shop.registration],
    reflection: false,
  });
  await http.start();
  await grpc.start();
  try {
    assert.ok(!http.operations.some((o) => o.includes("ServerReflection")), http.operations.join());
    assert.ok(!grpc.operations.some((o) => o.includes("ServerReflection")), grpc.operations.join());
    const base = `http://${grpc.endpoint().host}`;
    const out = await curl(["--protocol", "grpc", "--list-services", base]);
    assert.notEqual(out.code, 0);
    assert.match(out.stderr, /unimplemented|does not support the reflection/i);
  } finally {
    await http.stop();
    await grpc.stop();
  }
});

Deno.test("registering a built-in service yourself is a clear error", () => {
  const own = ServerReflection;
  for (const create of [createHttpServer, createGrpcServer]) {
    assert.throws(
      () => create({ services: [shop.registration, [own, {}]] }),
      (e: Error) => {
        assert.ok(e instanceof TypeError);
        assert.match(e.message, /grpc\.reflection\.v1\.ServerReflection is built in/);
        assert.match(e.message, /reflection: false/);
        return true;
      },
    );
    // Turned off, the name is free for the user's own implementation.
    const server = create({ services: [[own, {}]], reflection: false });
    assert.deepEqual(server.operations.filter((o) => o.includes("Reflection")), [
      "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
    ]);
  }
});
