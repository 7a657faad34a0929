// Server reflection v1 and v1alpha, driven by @grpc/grpc-js on the gRPC server: listing, every
// kind of symbol, files with their dependencies once per stream, extensions, and the errors
// the protocol specifies.
import assert from "node:assert/strict";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { type Answer, filesOf, openReflection, VERSIONS } from "../support/reflection_client.ts";
import { loadShop } from "../support/reflection_fixture.ts";
import { startServers, type TestServers } from "../support/servers.ts";
import type { Middleware } from "../../transport/mod.ts";

const SHOP = "fixture/shop/v1/shop.proto";
const MONEY = "fixture/shop/v1/money.proto";
const DESCRIPTOR = "google/protobuf/descriptor.proto";
const TIMESTAMP = "google/protobuf/timestamp.proto";

const shop = await loadShop();
const operations: string[] = [];
const recordOperation: Middleware = (next) => (req) => {
  operations.push(`/${req.service.typeName}/${req.method.name}`);
  return next(req);
};

function errorOf(answer: Answer): { errorCode: number; errorMessage: string } {
  assert.equal(answer.messageResponse.case, "errorResponse", JSON.stringify(answer));
  return answer.messageResponse.value as { errorCode: number; errorMessage: string };
}

for (const version of Object.keys(VERSIONS) as (keyof typeof VERSIONS)[]) {
  Deno.test(`reflection ${version} over grpc-js`, async (t) => {
    const servers: TestServers = await startServers([shop.registration], [recordOperation]);
    const session = openReflection(version, servers.grpcAddress);
    try {
      await t.step("list_services names the user's and the built-in services", async () => {
        const answer = await session.ask({ case: "listServices", value: "*" }, "shop.local");
        assert.equal(answer.validHost, "shop.local");
        assert.equal(answer.originalRequest?.messageRequest.case, "listServices");
        assert.equal(answer.messageResponse.case, "listServicesResponse");
        const names = answer.messageResponse.value!.service.map((s: { name: string }) => s.name);
        assert.deepEqual(names.toSorted(), [
          "fixture.shop.v1.Shop",
          "grpc.health.v1.Health",
          "grpc.reflection.v1.ServerReflection",
          "grpc.reflection.v1alpha.ServerReflection",
        ]);
      });

      await t.step("a method's file comes first, then its transitive imports", async () => {
        const files = filesOf(
          await session.ask({
            case: "fileContainingSymbol",
            value: "fixture.shop.v1.Shop.GetOrder",
          }),
        );
        assert.equal(files[0].name, SHOP);
        assert.deepEqual(
          files.map((f) => f.name).toSorted(),
          [MONEY, SHOP, DESCRIPTOR, TIMESTAMP].toSorted(),
        );
        const order = files[0].messageType.find((m) => m.name === "Order");
        assert.deepEqual(order?.nestedType.map((m) => m.name), ["Line"]);
        assert.equal(files[0].service[0].method[1].clientStreaming, true);
      });

      await t.step("files already sent on this stream are not sent again", async () => {
        const nested = filesOf(
          await session.ask({ case: "fileContainingSymbol", value: "fixture.shop.v1.Order.Line" }),
        );
        assert.deepEqual(nested.map((f) => f.name), [SHOP]);
        const money = filesOf(
          await session.ask({ case: "fileContainingSymbol", value: "fixture.shop.v1.Money" }),
        );
        assert.deepEqual(money.map((f) => f.name), [MONEY]);
      });

      await t.step("every kind of symbol resolves to its file", async () => {
        const symbols: Record<string, string> = {
          "fixture.shop.v1.Shop": SHOP,
          "fixture.shop.v1.Shop.Chat": SHOP,
          "fixture.shop.v1.Order": SHOP,
          "fixture.shop.v1.Order.State": SHOP,
          "fixture.shop.v1.Order.STATE_SHIPPED": SHOP,
          "fixture.shop.v1.Order.customer": SHOP,
          "fixture.shop.v1.Order.delivery": SHOP,
          "fixture.shop.v1.table": SHOP,
          "fixture.shop.v1.Order.personal": SHOP,
          "google.protobuf.Timestamp": TIMESTAMP,
          "grpc.health.v1.HealthCheckResponse.ServingStatus": "grpc/health/v1/health.proto",
          "grpc.health.v1.HealthListResponse.StatusesEntry": "grpc/health/v1/health.proto",
          [`grpc.reflection.${version}.ServerReflection`]:
            `grpc/reflection/${version}/reflection.proto`,
        };
        for (const [symbol, file] of Object.entries(symbols)) {
          const files = filesOf(await session.ask({ case: "fileContainingSymbol", value: symbol }));
          assert.equal(files[0].name, file, symbol);
        }
      });

      await t.step("an unknown symbol is NOT_FOUND naming it; the stream goes on", async () => {
        const error = errorOf(
          await session.ask({ case: "fileContainingSymbol", value: "fixture.shop.v1.Nope" }),
        );
        assert.equal(error.errorCode, 5);
        assert.match(error.errorMessage, /fixture\.shop\.v1\.Nope/);
        const again = filesOf(
          await session.ask({ case: "fileContainingSymbol", value: "fixture.shop.v1.Shop" }),
        );
        assert.equal(again[0].name, SHOP);
      });

      await t.step("file_by_filename, known and unknown", async () => {
        const files = filesOf(await session.ask({ case: "fileByFilename", value: MONEY }));
        assert.deepEqual(files.map((f) => f.name), [MONEY]);
        const error = errorOf(
          await session.ask({ case: "fileByFilename", value: "no/such.proto" }),
        );
        assert.equal(error.errorCode, 5);
        assert.match(error.errorMessage, /no\/such\.proto/);
      });

      await t.step("extensions by extendee and number", async () => {
        const ask = (containingType: string, extensionNumber: number) =>
          session.ask({
            case: "fileContainingExtension",
            value: { containingType, extensionNumber } as never,
          });
        assert.equal(filesOf(await ask("google.protobuf.MessageOptions", 50001))[0].name, SHOP);
        assert.equal(filesOf(await ask("google.protobuf.FieldOptions", 50002))[0].name, SHOP);
        const missing = errorOf(await ask("google.protobuf.FieldOptions", 49999));
        assert.equal(missing.errorCode, 5);
        assert.match(missing.errorMessage, /49999.*google\.protobuf\.FieldOptions/);
      });

      await t.step("all_extension_numbers_of_type", async () => {
        const field = await session.ask({
          case: "allExtensionNumbersOfType",
          value: "google.protobuf.FieldOptions",
        });
        assert.equal(field.messageResponse.case, "allExtensionNumbersResponse");
        assert.deepEqual(field.messageResponse.value, {
          ...field.messageResponse.value,
          baseTypeName: "google.protobuf.FieldOptions",
          extensionNumber: [50002],
        });
        const none = await session.ask({
          case: "allExtensionNumbersOfType",
          value: "fixture.shop.v1.Money",
        });
        assert.deepEqual(
          none.messageResponse.case === "allExtensionNumbersResponse" &&
            none.messageResponse.value.extensionNumber,
          [],
        );
        const unknown = errorOf(
          await session.ask({ case: "allExtensionNumbersOfType", value: "fixture.shop.v1.Nope" }),
        );
        assert.equal(unknown.errorCode, 5);
        assert.match(unknown.errorMessage, /fixture\.shop\.v1\.Nope/);
      });

      await t.step("reflection calls pass through the server's middleware", () => {
        assert.ok(
          operations.includes(`/grpc.reflection.${version}.ServerReflection/ServerReflectionInfo`),
          operations.join(", "),
        );
      });

      await t.step("half-closing ends the stream with OK", async () => {
        const status = await session.end();
        assert.equal(status.code, 0, status.details);
      });

      await t.step("a request with no query ends the stream with INVALID_ARGUMENT", async () => {
        const bad = openReflection(version, servers.grpcAddress);
        try {
          await assert.rejects(
            bad.ask({ case: undefined }),
            (e: { code?: number; details?: string }) => {
              assert.equal(e.code, 3);
              assert.match(e.details ?? "", /sets none of/);
              return true;
            },
          );
        } finally {
          bad.close();
        }
      });
    } finally {
      session.close();
      await servers.close();
    }
  });
}

async function* twoQueries() {
  yield { messageRequest: { case: "listServices" as const, value: "" } };
  yield {
    messageRequest: { case: "fileContainingSymbol" as const, value: "fixture.shop.v1.Money" },
  };
}

Deno.test("reflection on the HTTP server over HTTP/1.1, half duplex", async () => {
  const servers = await startServers([shop.registration]);
  try {
    const transports = {
      connect: createConnectTransport({ baseUrl: servers.http, httpVersion: "1.1" }),
      "grpc-web": createGrpcWebTransport({ baseUrl: servers.http, httpVersion: "1.1" }),
    };
    for (const [name, transport] of Object.entries(transports)) {
      const client = createClient(VERSIONS.v1.ServerReflection, transport);
      const answers = [];
      for await (const a of client.serverReflectionInfo(twoQueries())) answers.push(a);
      assert.deepEqual(answers.map((a) => a.messageResponse.case), [
        "listServicesResponse",
        "fileDescriptorResponse",
      ], name);
      assert.deepEqual(filesOf(answers[1]).map((f) => f.name), [MONEY], name);
    }
  } finally {
    await servers.close();
  }
});
