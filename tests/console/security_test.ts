// The console's guards, over real HTTP: a token guards the page, its API and its events (the
// login form and `?token=` set an HttpOnly cookie), a foreign Host is refused while bound to
// loopback, calls need --allow-calls and JSON, listening beyond loopback needs a token, and
// every answer carries a CSP without inline script.
import assert from "node:assert/strict";
import { startConsole } from "../../cmd/atreus/console/mod.ts";
import { CliError } from "../../cmd/atreus/errors.ts";
import { memory } from "../../registry/mod.ts";

const TOKEN = "s3cret-token-for-tests";

Deno.test("console security: token, Host check, calls off by default, CSP", async () => {
  const registry = memory();
  await registry.register({
    id: "a",
    name: "svc",
    version: "v1",
    metadata: {},
    endpoints: ["grpc://127.0.0.1:1"],
  });
  const guarded = await startConsole({ discovery: registry, listen: "127.0.0.1:0", token: TOKEN });
  const open = await startConsole({ discovery: registry, listen: "127.0.0.1:0" });
  try {
    const get = (base: string, path: string, init: RequestInit = {}) =>
      fetch(new URL(path, base), { redirect: "manual", ...init });
    // Without the token: the login page, nothing else.
    const login = await get(guarded.url, "/");
    assert.equal(login.status, 401);
    assert.match(await login.text(), /<form method="post" action="\/login">/);
    for (const path of ["/api/state", "/api/events", "/app.js"]) {
      const res = await get(guarded.url, path);
      assert.equal(res.status, 401, path);
      await res.body?.cancel();
    }
    const wrong = await get(guarded.url, "/login", {
      method: "POST",
      body: new URLSearchParams({ token: "nope-nope-nope" }),
    });
    assert.equal(wrong.status, 401);
    await wrong.body?.cancel();
    // The bearer header, the form and ?token= each open it; the cookie then carries it.
    const bearer = await get(guarded.url, "/api/state", {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(bearer.status, 200);
    assert.equal((await bearer.json()).services[0].name, "svc");
    for (
      const res of [
        await get(guarded.url, "/login", {
          method: "POST",
          body: new URLSearchParams({ token: TOKEN }),
        }),
        await get(guarded.url, `/?token=${TOKEN}`),
      ]
    ) {
      assert.equal(res.status, 303);
      const cookie = res.headers.get("set-cookie")!;
      assert.match(cookie, /HttpOnly; SameSite=Strict/);
      const page = await get(guarded.url, "/", { headers: { cookie: cookie.split(";")[0] } });
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<script type="module" src="\/app.js">/);
    }
    // Events stream with the token.
    const events = await get(guarded.url, "/api/events", {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(events.headers.get("content-type"), "text/event-stream; charset=utf-8");
    const reader = events.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("event: snapshot")) text += (await reader.read()).value ?? "";
    await reader.cancel();

    // DNS rebinding: a page of another name reaching 127.0.0.1 is refused.
    // (fetch sets Host itself, so this request is written by hand.)
    const port = Number(new URL(open.url).port);
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(new TextEncoder().encode(
      "GET /api/state HTTP/1.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n",
    ));
    const answer = await new Response(conn.readable).text();
    assert.match(answer, /^HTTP\/1.1 421 /);
    assert.doesNotMatch(answer, /"services"/);

    // Calls are off unless --allow-calls; a CSP forbids inline script everywhere.
    const call = await get(open.url, "/api/call", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(call.status, 403);
    assert.match((await call.json()).error, /--allow-calls/);
    const page = await get(open.url, "/");
    assert.match(page.headers.get("content-security-policy")!, /script-src 'self'; /);
    assert.doesNotMatch(page.headers.get("content-security-policy")!, /unsafe-inline/);
    await page.body?.cancel();
  } finally {
    await guarded.close();
    await open.close();
    await registry.close();
  }
});

Deno.test("console security: calls need JSON from the same origin; bad input is a 400 naming it", async () => {
  const registry = memory();
  await registry.register({
    id: "a",
    name: "svc",
    version: "v1",
    metadata: {},
    endpoints: ["grpc://127.0.0.1:1"],
  });
  const c = await startConsole({ discovery: registry, listen: "127.0.0.1:0", allowCalls: true });
  try {
    const post = (
      body: string,
      headers: Record<string, string> = { "content-type": "application/json" },
    ) =>
      fetch(new URL("/api/call", c.url), { method: "POST", headers, body }).then(async (r) =>
        [r.status, (await r.json()).error] as const
      );
    assert.deepEqual(
      (await post("x=1", { "content-type": "application/x-www-form-urlencoded" }))[0],
      415,
    );
    const [status, error] = await post("{}", {
      "content-type": "application/json",
      origin: "http://evil.example",
    });
    assert.equal(status, 403);
    assert.match(error, /cross-origin/);
    const base = {
      service: "svc",
      instance: "a",
      endpoint: "grpc://127.0.0.1:1",
      protocol: "grpc",
      method: "/a.B/C",
      body: "{}",
      metadata: [],
      timeoutMs: 1000,
    };
    assert.deepEqual((await post(JSON.stringify({ ...base, instance: "zz" })))[0], 404);
    assert.match(
      (await post(JSON.stringify({ ...base, endpoint: "grpc://10.0.0.1:1" })))[1],
      /is not an endpoint of a/,
    );
    assert.match(
      (await post(JSON.stringify({ ...base, protocol: "connect" })))[1],
      /cannot call grpc:/,
    );
    assert.match(
      (await post(JSON.stringify({ ...base, timeoutMs: 0 })))[1],
      /timeoutMs must be between/,
    );
    // Reflection of an address nobody serves: a 502 saying so, and the console lives on.
    const [refused, why] = await post(JSON.stringify(base));
    assert.equal(refused, 502);
    assert.match(why, /unavailable|ECONNREFUSED/i);
  } finally {
    await c.close();
    await registry.close();
  }
});

Deno.test("console: listening beyond loopback needs a token; bad options are usage errors", async () => {
  const registry = memory();
  try {
    const usage = (re: RegExp) => (e: unknown) =>
      e instanceof CliError && e.exitCode === 2 && re.test(e.message);
    await assert.rejects(
      startConsole({ discovery: registry, listen: "0.0.0.0:0" }),
      usage(/set a token/),
    );
    await assert.rejects(
      startConsole({ discovery: registry, listen: "nope" }),
      usage(/is not host:port/),
    );
    await assert.rejects(startConsole({ listen: "127.0.0.1:0" }), usage(/--registry etcd:/));
    await assert.rejects(
      startConsole({ discovery: registry, token: "short" }),
      usage(/at least 8/),
    );
  } finally {
    await registry.close();
  }
});
