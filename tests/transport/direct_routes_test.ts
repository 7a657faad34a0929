// RPC POSTs served ahead of Hono's dispatch (`server.fetch`) against Hono's own dispatch of the
// same app (`server.app.fetch`) as the oracle: every kind of answer, with and without CORS, with
// the app's own middleware and routes before and after the server's, under a base path, and
// while draining, gives the same status, headers and body. Errors a handler throws reach the
// app's error handler as they do through Hono.
import assert from "node:assert/strict";
import { Hono } from "hono";
import { create, toBinary } from "@bufbuild/protobuf";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import { createHttpServer, type HttpServerOptions } from "../../transport/mod.ts";
import { directRoutes, serveDirect } from "../../transport/http/direct_routes.ts";
import {
  Greeter,
  HelloRequestSchema,
} from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { GreeterService } from "../../examples/helloworld/internal/service/greeter.ts";

const proto = toBinary(HelloRequestSchema, create(HelloRequestSchema, { name: "direct" }));
const say = "/helloworld.v1.Greeter/SayHello";
const stream = "/helloworld.v1.Greeter/SayHelloStream";

function post(path: string, type: string, body: string | Uint8Array, more = {}) {
  return () =>
    new Request(`http://host${path}`, {
      method: "POST",
      headers: { "content-type": type, origin: "https://app.example", ...more },
      body: body as BodyInit,
    });
}

const requests: [string, () => Request][] = [
  ["Connect JSON", post(say, "application/json", '{"name":"a"}')],
  ["Connect binary", post(say, "application/proto", proto)],
  ["gRPC-Web", post(say, "application/grpc-web+proto", encodeEnvelope(0, proto))],
  ["Connect error", post(say, "application/json", "{not json")],
  ["handler error", post(say, "application/json", '{"name":""}')],
  [
    "deadline header",
    post(say, "application/json", '{"name":"t"}', { "connect-timeout-ms": "900" }),
  ],
  ["unknown media type", post(say, "text/plain", "hi")],
  ["gRPC", post(say, "application/grpc", encodeEnvelope(0, proto))],
  [
    "Connect stream",
    post(
      stream,
      "application/connect+json",
      encodeEnvelope(0, new TextEncoder().encode('{"name":"s","count":2}')),
    ),
  ],
  ["query string", post(`${say}?x=1`, "application/json", '{"name":"q"}')],
  ["unknown RPC", post("/helloworld.v1.Greeter/Nope", "application/json", "{}")],
  ["trailing slash", post(`${say}/`, "application/json", "{}")],
];

type Setup = (app: Hono) => unknown;
const mark: Setup = (app) =>
  app.use("*", async (c, next) => {
    await next();
    c.res.headers.set("x-mark", "1");
  });
interface Case {
  readonly label: string;
  readonly options?: Partial<HttpServerOptions<Hono>>;
  readonly before?: Setup;
  readonly after?: Setup;
  readonly app?: () => Hono;
}
const cases: Case[] = [
  { label: "bare" },
  { label: "CORS *", options: { cors: { origin: "*" } } },
  {
    label: "CORS by origin",
    options: { cors: { origin: ["https://app.example"], credentials: true } },
  },
  { label: "app middleware before", before: mark },
  { label: "app middleware before, CORS", options: { cors: { origin: "*" } }, before: mark },
  {
    label: "app route on the RPC path before",
    before: (app) => app.post(say, (c) => c.text("mine")),
  },
  { label: "app routes elsewhere before", before: (app) => app.get("/", (c) => c.text("home")) },
  { label: "app middleware after", options: { cors: { origin: "*" } }, after: mark },
  {
    label: "base path",
    options: { cors: { origin: "*" } },
    app: () => new Hono().basePath("/api"),
  },
  { label: "no strict paths", app: () => new Hono({ strict: false }) },
];

async function answer(res: Response) {
  return { status: res.status, headers: [...res.headers], body: await res.text() };
}

Deno.test("RPC POSTs served ahead of Hono answer as Hono's dispatch does", async () => {
  for (const { label, options, before, after, app: make } of cases) {
    for (const draining of [false, true]) {
      const app = make?.() ?? new Hono();
      before?.(app);
      const server = createHttpServer({
        app,
        services: [[Greeter, new GreeterService()]],
        ...options,
      });
      after?.(app);
      if (draining) await server.stop();
      for (const [what, request] of requests) {
        for (const path of [say, `/api${say}`]) {
          const rewrite = (r: Request) =>
            path === say ? r : new Request(r.url.replace("//host/", "//host/api/"), r);
          const got = await answer(await server.fetch(rewrite(request())));
          const want = await answer(await server.app.fetch(rewrite(request())));
          assert.deepEqual(got, want, `${label}${draining ? ", draining" : ""}: ${what} ${path}`);
        }
      }
    }
  }
});

Deno.test("an app's middleware registered before the server still runs for RPC calls", async () => {
  const app = new Hono();
  mark(app);
  const server = createHttpServer({ app, services: [[Greeter, new GreeterService()]] });
  const res = await server.fetch(post(say, "application/json", '{"name":"a"}')());
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-mark"), "1");
  await res.body?.cancel();
});

Deno.test("errors a directly served handler throws reach the app's error handler", async () => {
  const failures: [string, () => Response | Promise<Response>][] = [
    ["throws", () => {
      throw new Error("boom");
    }],
    ["rejects", () => Promise.reject(new Error("late boom"))],
  ];
  for (const [label, handler] of failures) {
    const app = new Hono();
    app.onError((error, c) => c.text(`caught ${error.message} at ${c.req.path}`, 418));
    app.all("/p", () => handler());
    const [direct] = directRoutes([], [["/p", handler, app.routes[0]]]).values();
    const request = () => new Request("http://host/p", { method: "POST" });
    const got = await answer(await serveDirect(app, direct, request(), undefined, undefined));
    const want = await answer(await app.fetch(request()));
    assert.deepEqual(got, want, label);
    assert.equal(got.status, 418, label);
  }
  // Anything but an Error is rethrown, as Hono does.
  const app = new Hono();
  const odd = () => Promise.reject("not an error");
  app.all("/p", odd);
  const [direct] = directRoutes([], [["/p", odd, app.routes[0]]]).values();
  await assert.rejects(
    async () => await serveDirect(app, direct, new Request("http://host/p"), undefined, undefined),
    (e) => e === "not an error",
  );
  await assert.rejects(
    async () => await app.fetch(new Request("http://host/p")),
    (e) => e === "not an error",
  );
});

Deno.test("a route registered before the RPC routes that matches their path keeps Hono's dispatch", () => {
  const handler = () => new Response("rpc");
  const app = new Hono();
  app.use("/helloworld.v1.Greeter/*", (_c, next) => next());
  app.get("/elsewhere", (c) => c.text("x"));
  app.all(say, handler);
  const direct = directRoutes(app.routes.slice(0, 2), [
    [say, handler, app.routes[2]],
    ["/other.v1.Other/Call", handler, app.routes[2]],
  ]);
  assert.deepEqual([...direct.keys()], ["/other.v1.Other/Call"]);
});
