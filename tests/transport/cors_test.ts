// CORS on the HTTP server against Hono's cors middleware as the oracle: for each policy and each
// Origin, every kind of answer (Connect unary JSON and binary, gRPC-Web, a Connect error, a GET,
// a stream through Connect-ES, a wrong verb, gRPC refused, a preflight, REST, a probe, a route of
// the app's own) carries exactly the CORS headers Hono's middleware puts on a plain route — but
// for untouched successful unary replies, which leave out the list of headers to expose (they
// carry none of them).
import assert from "node:assert/strict";
import { Hono } from "hono";
import { cors as honoCors } from "hono/cors";
import { cors as connectCors, type HandlerContext } from "@connectrpc/connect";
import { create, toBinary } from "@bufbuild/protobuf";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import { type CorsOptions, createHttpServer } from "../../transport/mod.ts";
import {
  Greeter,
  HelloRequestSchema,
} from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { GreeterService } from "../../examples/helloworld/internal/service/greeter.ts";

const policies: CorsOptions[] = [
  { origin: "*" },
  { origin: "https://app.example" },
  { origin: ["https://a.example", "https://b.example"], credentials: true, maxAge: 60 },
  {
    origin: (o) => o.endsWith(".example") ? o : null,
    allowHeaders: ["x-custom"],
    exposeHeaders: ["x-trace"],
  },
];
const origins = [null, "https://app.example", "https://b.example", "https://evil.test"];

const proto = toBinary(HelloRequestSchema, create(HelloRequestSchema, { name: "cors" }));
const say = "http://host/helloworld.v1.Greeter/SayHello";
const stream = "http://host/helloworld.v1.Greeter/SayHelloStream";
const requests: [string, () => RequestInit & { url: string }][] = [
  ["Connect JSON", () => post(say, "application/json", '{"name":"a"}')],
  ["Connect binary", () => post(say, "application/proto", proto)],
  ["gRPC-Web", () => post(say, "application/grpc-web+proto", encodeEnvelope(0, proto))],
  ["Connect error", () => post(say, "application/json", "{not json")],
  ["handler error", () => post(say, "application/json", '{"name":""}')],
  [
    "Connect GET",
    () => ({ url: `${say}?encoding=json&message=${encodeURIComponent('{"name":"g"}')}` }),
  ],
  [
    "Connect stream",
    () =>
      post(
        stream,
        "application/connect+json",
        encodeEnvelope(0, new TextEncoder().encode('{"name":"s","count":2}')),
      ),
  ],
  ["wrong verb", () => ({ url: say, method: "PUT" })],
  ["gRPC", () => post(say, "application/grpc", encodeEnvelope(0, proto))],
  ["REST", () => ({ url: "http://host/helloworld/ann" })],
  ["probe", () => ({ url: "http://host/healthz" })],
  ["own route", () => ({ url: "http://host/own" })],
  [
    "preflight",
    () => ({
      url: say,
      method: "OPTIONS",
      headers: {
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,x-custom",
      },
    }),
  ],
];

// Untouched successful unary replies: their only header is the content type.
const plainReplies = new Set(["Connect JSON", "Connect binary", "gRPC-Web", "Connect GET"]);

function post(url: string, type: string, body: string | Uint8Array) {
  return { url, method: "POST", headers: { "content-type": type }, body: body as BodyInit };
}

function corsHeaders(res: Response): [string, string][] {
  return [...res.headers].filter(([k]) => k.startsWith("access-control-") || k === "vary");
}

// Hono's middleware with the options the server gives it, on a route that answers plainly.
function oracle(policy: CorsOptions): Hono {
  const app = new Hono();
  const origin = policy.origin;
  app.use(
    "*",
    honoCors({
      origin: typeof origin === "function" ? (o: string) => origin(o) : origin as string,
      credentials: policy.credentials,
      maxAge: policy.maxAge ?? 7200,
      allowMethods: [...connectCors.allowedMethods],
      allowHeaders: [...connectCors.allowedHeaders, ...(policy.allowHeaders ?? [])],
      exposeHeaders: [...connectCors.exposedHeaders, ...(policy.exposeHeaders ?? [])],
    }),
  );
  app.all("*", (c) => c.text("ok"));
  return app;
}

Deno.test("CORS headers match Hono's cors middleware on every kind of answer", async () => {
  for (const policy of policies) {
    const app = new Hono();
    const server = createHttpServer({
      app,
      services: [[Greeter, new GreeterService()]],
      cors: policy,
    });
    app.get("/own", (c) => c.text("own"));
    const reference = oracle(policy);
    for (const origin of origins) {
      for (const [label, make] of requests) {
        const { url, ...init } = make();
        const headers = new Headers(init.headers);
        if (origin !== null) headers.set("origin", origin);
        const res = await server.fetch(new Request(url, { ...init, headers }));
        await res.body?.cancel();
        const want = await reference.fetch(
          new Request(url, { method: init.method, headers }),
        );
        await want.body?.cancel();
        const where = `${JSON.stringify(policy.origin.toString())} from ${origin}: ${label}`;
        const got = corsHeaders(res);
        let expected = corsHeaders(want);
        if (plainReplies.has(label)) {
          // An untouched successful reply lists nothing to expose: it carries none of the
          // exposed headers, so the list would tell the browser nothing.
          const exposed = want.headers.get("access-control-expose-headers")?.toLowerCase()
            .split(",") ?? [];
          assert.ok(exposed.every((h) => !res.headers.has(h)), `${where}: ${[...res.headers]}`);
          expected = expected.filter(([k]) => k !== "access-control-expose-headers");
        }
        assert.deepEqual(got, expected, where);
        if (label !== "preflight") assert.notEqual(res.status, 204, where);
      }
    }
  }
});

Deno.test("a handler's own Vary survives the CORS Vary", async () => {
  const server = createHttpServer({
    services: [[Greeter, {
      sayHello(_req: unknown, ctx: HandlerContext) {
        ctx.responseHeader.set("vary", "accept-encoding");
        return { message: "hi" };
      },
    }]],
    cors: { origin: "https://app.example" },
  });
  const res = await server.fetch(
    new Request(say, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "https://app.example" },
      body: '{"name":"v"}',
    }),
  );
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("vary"), "accept-encoding, Origin");
  assert.equal(res.headers.get("access-control-allow-origin"), "https://app.example");
  await res.body?.cancel();
});
