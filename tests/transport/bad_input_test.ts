// Bad input on every protocol gets a typed error with the right code, status and a message that
// names the problem — and the server keeps serving.
import assert from "node:assert/strict";
import { create, toBinary } from "@bufbuild/protobuf";
import { createGrpcServer, createHttpServer } from "../../transport/mod.ts";
import {
  Greeter,
  HelloRequestSchema,
} from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { GreeterService } from "../../examples/helloworld/internal/service/greeter.ts";
import { grpcFrame, h2Request } from "../support/h2.ts";

const SAY = "/helloworld.v1.Greeter/SayHello";
const hello = (name: string) => toBinary(HelloRequestSchema, create(HelloRequestSchema, { name }));

async function withServers(
  fn: (http: string, grpc: string) => Promise<void>,
): Promise<void> {
  const services = [[Greeter, new GreeterService()]] as const;
  const http = createHttpServer({ address: "127.0.0.1:0", services, readMaxBytes: 1024 });
  const grpc = createGrpcServer({ address: "127.0.0.1:0", services, readMaxBytes: 1024 });
  await http.start();
  await grpc.start();
  const httpUrl = http.endpoint().href.replace(/\/$/, "");
  const grpcUrl = grpc.endpoint().href.replace("grpc:", "http:").replace(/\/$/, "");
  try {
    await fn(httpUrl, grpcUrl);
  } finally {
    await http.stop();
    await grpc.stop();
  }
}

async function post(
  url: string,
  contentType: string,
  body: string | Uint8Array,
  headers = {},
) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": contentType, ...headers },
    body: typeof body === "string" ? body : new Blob([body as Uint8Array<ArrayBuffer>]),
  });
  const text = await res.text();
  let json: { code?: string; message?: string } = {};
  try {
    json = JSON.parse(text);
  } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, text, json };
}

async function stillServing(http: string, grpc: string) {
  const ok = await post(http + SAY, "application/json", '{"name":"ok"}');
  assert.equal(ok.status, 200);
  assert.equal(ok.json.message, "Hello ok");
  const g = await h2Request(
    grpc,
    SAY,
    { "content-type": "application/grpc", te: "trailers" },
    grpcFrame(hello("ok")),
  );
  assert.equal(g.trailers["grpc-status"], "0");
}

Deno.test("bad input gets typed errors and the servers keep serving", async (t) => {
  await withServers(async (http, grpc) => {
    await t.step("unknown service or method", async () => {
      for (const path of ["/nope.v1.Nothing/Call", "/helloworld.v1.Greeter/Nope"]) {
        const c = await post(http + path, "application/json", "{}");
        assert.equal(c.status, 404);
        assert.equal(c.json.code, "unimplemented");
        assert.match(c.json.message!, new RegExp(path.replaceAll(".", "\\.")));
        const web = await post(
          http + path,
          "application/grpc-web+proto",
          grpcFrame(new Uint8Array()),
        );
        assert.equal(web.status, 200);
        assert.equal(web.headers.get("grpc-status"), "12");
        const g = await h2Request(grpc, path, {
          "content-type": "application/grpc",
          te: "trailers",
        }, grpcFrame(new Uint8Array()));
        assert.equal(g.headers["grpc-status"] ?? g.trailers["grpc-status"], "12");
      }
      const plain = await fetch(`${http}/no/such/page`);
      assert.equal(plain.status, 404);
      await plain.body?.cancel();
      await stillServing(http, grpc);
    });
    await t.step("malformed JSON", async () => {
      const c = await post(http + SAY, "application/json", '{"name":');
      assert.equal(c.status, 400);
      assert.equal(c.json.code, "invalid_argument");
      assert.match(c.json.message!, /JSON|json/);
      const wrongType = await post(http + SAY, "application/json", '{"name": 42}');
      assert.equal(wrongType.status, 400);
      assert.equal(wrongType.json.code, "invalid_argument");
      const unknownField = await post(http + SAY, "application/json", '{"name":"u","extra":1}');
      assert.equal(unknownField.status, 200, "unknown fields are ignored");
      await stillServing(http, grpc);
    });
    await t.step("malformed protobuf", async () => {
      // Connect-ES (our oracle) and grpc-go both answer an undecodable message with Internal.
      const c = await post(http + SAY, "application/proto", new Uint8Array([0x0a, 0x7f, 0x01]));
      assert.equal(c.status, 500);
      assert.equal(c.json.code, "internal");
      assert.match(c.json.message!, /parse binary: premature EOF/);
      const g = await h2Request(
        grpc,
        SAY,
        { "content-type": "application/grpc", te: "trailers" },
        grpcFrame(new Uint8Array([0x0a, 0x7f, 0x01])),
      );
      assert.equal(g.trailers["grpc-status"], "13");
      assert.match(decodeURIComponent(g.trailers["grpc-message"]), /parse binary/);
      await stillServing(http, grpc);
    });
    await t.step("body over readMaxBytes", async () => {
      const big = JSON.stringify({ name: "x".repeat(2048) });
      const c = await post(http + SAY, "application/json", big);
      assert.equal(c.status, 429);
      assert.equal(c.json.code, "resource_exhausted");
      assert.match(c.json.message!, /1024/);
      const g = await h2Request(
        grpc,
        SAY,
        { "content-type": "application/grpc", te: "trailers" },
        grpcFrame(hello("x".repeat(2048))),
      );
      assert.equal(g.trailers["grpc-status"], "8");
      await stillServing(http, grpc);
    });
    await t.step("wrong content type", async () => {
      const c = await post(http + SAY, "text/plain", "hello");
      assert.equal(c.status, 415);
      assert.equal(c.headers.get("content-type"), "text/plain; charset=utf-8");
      assert.match(c.text, /unsupported content-type "text\/plain"/);
      await stillServing(http, grpc);
    });
    await t.step("truncated gRPC and gRPC-Web frames", async () => {
      const frame = grpcFrame(hello("truncated"));
      const cut = frame.subarray(0, frame.length - 3);
      const g = await h2Request(
        grpc,
        SAY,
        { "content-type": "application/grpc", te: "trailers" },
        cut,
      );
      assert.notEqual(g.trailers["grpc-status"], undefined);
      assert.notEqual(g.trailers["grpc-status"], "0");
      assert.match(
        decodeURIComponent(g.trailers["grpc-message"] ?? ""),
        /envelope|bytes|incomplete/i,
      );
      const web = await post(http + SAY, "application/grpc-web+proto", cut);
      assert.equal(web.status, 200);
      assert.match(web.text, /grpc-status:\s*(3|13)/);
      await stillServing(http, grpc);
    });
    await t.step("native gRPC on the Fetch HTTP server", async () => {
      const res = await post(http + SAY, "application/grpc", grpcFrame(hello("x")), {
        te: "trailers",
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("grpc-status"), "12");
      assert.match(
        decodeURIComponent(res.headers.get("grpc-message")!),
        /cannot send HTTP trailers/,
      );
      await stillServing(http, grpc);
    });
    await t.step("Connect GET with a broken query", async () => {
      const bad = await fetch(`${http}${SAY}?encoding=json&message=%7Bnope`);
      assert.equal(bad.status, 400);
      assert.equal((await bad.json()).code, "invalid_argument");
      const b64 = await fetch(`${http}${SAY}?encoding=proto&base64=1&message=!!!`);
      assert.equal(b64.status, 400);
      assert.match((await b64.json()).message, /invalid base64/);
      const good = await fetch(`${http}${SAY}?encoding=proto&base64=1&message=CgJoaQ`);
      assert.equal(good.status, 200);
      await good.body?.cancel();
      const post405 = await fetch(`${http}/helloworld.v1.Greeter/SayHelloStream`);
      assert.equal(post405.status, 405);
      assert.match((await post405.json()).message, /GET not allowed/);
      // A gRPC-Web client maps a 405 to Unknown without reading the body: plain text, no JSON
      // that would pass for a Connect error.
      const web405 = await fetch(`${http}${SAY}`, {
        method: "DELETE",
        headers: { "content-type": "application/grpc-web+proto" },
      });
      assert.equal(web405.status, 405);
      assert.equal(web405.headers.get("content-type"), "text/plain; charset=utf-8");
      assert.equal(web405.headers.get("allow"), "POST, GET");
      assert.match(await web405.text(), /DELETE not allowed/);
      await stillServing(http, grpc);
    });
  });
});
