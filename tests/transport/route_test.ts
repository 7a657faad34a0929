// Plain Hono routes that opt into the server's middleware under an operation name: the same
// chain as RPCs (kind "http"), errors as Kratos bodies, selectors match the operation.
import assert from "node:assert/strict";
import { type Context, Hono } from "hono";
import { createHttpServer, fromServerContext, type Middleware } from "../../transport/mod.ts";
import { recovery, selector } from "../../middleware/mod.ts";
import { unauthorized } from "../../errors/mod.ts";
import { setLogger } from "../../log/mod.ts";

Deno.test("user routes run through the middleware chain under their operation", async () => {
  setLogger({ log() {} });
  const seen: string[] = [];
  const record: Middleware = (next) => async (req) => {
    const info = fromServerContext();
    seen.push(`${info?.kind} ${info?.operation} ${req.method.name}`);
    info?.replyHeader.set("x-served-by", "atreus");
    return await next(req);
  };
  const requireToken: Middleware = (next) => (req) => {
    if (req.header.get("authorization") !== "Bearer ok") {
      throw unauthorized("UNAUTHORIZED", "a bearer token is required");
    }
    return next(req);
  };
  const app = new Hono();
  const server = createHttpServer({
    address: "127.0.0.1:0",
    app,
    middleware: [recovery(), record, selector(requireToken).prefix("/users.v1.Users/").build()],
  });
  app.get(
    "/users/:id",
    server.route("/users.v1.Users/Get", (c: Context) => c.json({ id: c.req.param("id") })),
  );
  app.get("/public", server.route("/site.v1.Site/Public", (c: Context) => c.text("hi")));
  app.get(
    "/boom",
    server.route("/site.v1.Site/Boom", () => {
      throw new Error("secret stack detail");
    }),
  );
  assert.throws(
    () => server.route("no-slash", (c: Context) => c.text("x")),
    /must start with "\/"/,
  );
  await server.start();
  const base = server.endpoint().href.replace(/\/$/, "");
  try {
    const ok = await fetch(`${base}/users/7`, { headers: { authorization: "Bearer ok" } });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { id: "7" });
    assert.equal(ok.headers.get("x-served-by"), "atreus");

    const denied = await fetch(`${base}/users/7`);
    assert.equal(denied.status, 401);
    assert.deepEqual(await denied.json(), {
      code: 401,
      reason: "UNAUTHORIZED",
      message: "a bearer token is required",
      metadata: {},
    });

    const open = await fetch(`${base}/public`);
    assert.equal(await open.text(), "hi", "the selector leaves other operations alone");

    const boom = await fetch(`${base}/boom`);
    assert.equal(boom.status, 500);
    const body = await boom.text();
    assert.doesNotMatch(body, /secret stack detail/);
    assert.equal(JSON.parse(body).reason, "INTERNAL");

    assert.deepEqual(seen, [
      "http /users.v1.Users/Get Get",
      "http /users.v1.Users/Get Get",
      "http /site.v1.Site/Public Public",
      "http /site.v1.Site/Boom Boom",
    ]);
  } finally {
    await server.stop();
  }
});

Deno.test("user routes are counted until their body ends, and refused while draining", async () => {
  setLogger({ log() {} });
  const app = new Hono();
  const server = createHttpServer({ address: "127.0.0.1:0", reflection: false, app });
  app.get("/boom", () => {
    throw new Error("handler failed");
  });
  let pulls = 0;
  app.get("/forever", () =>
    new Response(
      new ReadableStream({ pull: (c) => void c.enqueue(new Uint8Array([pulls++])) }),
    ));
  const get = (path: string) => server.fetch(new Request(`http://127.0.0.1${path}`));

  const failed = await get("/boom");
  assert.equal(failed.status, 500);
  await failed.text();
  assert.equal(server.inFlight, 0, "a failing handler leaves the count");

  const stream = await get("/forever");
  assert.equal(server.inFlight, 1, "a streamed body keeps the call in flight");
  const reader = stream.body!.getReader();
  await reader.read();
  await reader.cancel();
  assert.equal(server.inFlight, 0, "a client that lets go leaves the count");

  await server.start();
  const held = await get("/forever");
  const stopped = server.stop();
  const refused = await get("/forever");
  assert.equal(refused.status, 503);
  assert.equal((await refused.json()).reason, "UNAVAILABLE");
  const live = await get("/healthz");
  assert.equal(live.status, 200, "liveness keeps answering while draining");
  await live.body?.cancel();
  assert.equal(server.inFlight, 1);
  await held.body!.cancel();
  await stopped;
  assert.equal(server.inFlight, 0);
});
