// Auth middleware on real servers over Connect, gRPC-Web and gRPC: HS256 and RS256 tokens
// made with jose here, a JWKS served by a local Deno.serve, every failure reason as the caller
// reads it, the Kratos-compatible single reason, the verdict cache, and the client side.
import assert from "node:assert/strict";
import { Code, ConnectError, createClient, type HandlerContext } from "@connectrpc/connect";
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import { selector } from "../../middleware/mod.ts";
import { auth } from "../../middleware/auth/mod.ts";
import { code, forbidden, InvalidOptionError, reason } from "../../errors/mod.ts";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { startServers, type TestServers, transports } from "../support/servers.ts";
import type { Middleware } from "../../transport/mod.ts";

const secret = "a-test-secret-of-reasonable-length";
const nowSec = () => Math.floor(Date.now() / 1000);

async function hs256(claims: JWTPayload, key: string = secret, alg = "HS256") {
  return await new SignJWT(claims).setProtectedHeader({ alg })
    .sign(new TextEncoder().encode(key));
}

// The handler answers with what auth put in the context, read both ways.
const impl = {
  sayHello(_: unknown, ctx: HandlerContext) {
    const fromAls = auth.claims();
    const fromValues = auth.claims(ctx.values);
    assert.equal(fromAls, fromValues);
    return { message: `sub=${fromAls?.sub ?? "-"} aud=${JSON.stringify(fromAls?.aud ?? null)}` };
  },
  async *sayHelloStream() {
    yield { message: `stream sub=${auth.claims()?.sub ?? "-"}` };
  },
};

async function withServers(
  middleware: Middleware[],
  fn: (servers: TestServers) => Promise<void>,
) {
  const servers = await startServers([[Greeter, impl]], middleware);
  try {
    await fn(servers);
  } finally {
    await servers.close();
  }
}

/** Calls SayHello on every protocol with `authorization` (if any); message or error per protocol. */
async function callAll(servers: TestServers, authorization?: string) {
  const out: Record<string, { message?: string; error?: unknown }> = {};
  for (const [protocol, transport] of Object.entries(transports(servers))) {
    const headers = authorization === undefined ? undefined : { authorization };
    try {
      out[protocol] = {
        message: (await createClient(Greeter, transport).sayHello({}, { headers })).message,
      };
    } catch (error) {
      out[protocol] = { error };
    }
  }
  return out;
}

async function assertRejected(
  servers: TestServers,
  authorization: string | undefined,
  wantReason: string,
  wantMessage: RegExp,
) {
  for (const [protocol, r] of Object.entries(await callAll(servers, authorization))) {
    assert.ok(r.error !== undefined, `${protocol}: rejected (${authorization})`);
    assert.equal(ConnectError.from(r.error).code, Code.Unauthenticated, protocol);
    assert.equal(code(r.error), 401, protocol);
    assert.equal(
      reason(r.error),
      wantReason,
      `${protocol}: ${ConnectError.from(r.error).rawMessage}`,
    );
    assert.match(ConnectError.from(r.error).rawMessage, wantMessage, protocol);
  }
}

async function assertAccepted(servers: TestServers, authorization: string, message: string) {
  for (const [protocol, r] of Object.entries(await callAll(servers, authorization))) {
    assert.equal(r.error, undefined, `${protocol}: ${r.error}`);
    assert.equal(r.message, message, protocol);
  }
}

Deno.test("auth HS256: valid, expired, wrong audience, missing, malformed — reasons on every protocol", async () => {
  const mw = auth.server({ verify: { secret }, audience: "greeter", issuer: "tests" });
  await withServers([mw], async (servers) => {
    const good = await hs256({ sub: "ann", aud: "greeter", iss: "tests", exp: nowSec() + 60 });
    await assertAccepted(servers, `Bearer ${good}`, 'sub=ann aud="greeter"');
    await assertAccepted(servers, `bearer   ${good}`, 'sub=ann aud="greeter"'); // scheme in any case

    const expired = await hs256({ sub: "ann", aud: "greeter", iss: "tests", exp: nowSec() - 60 });
    await assertRejected(servers, `Bearer ${expired}`, "TOKEN_EXPIRED", /token expired/);
    const wrongAud = await hs256({ sub: "ann", aud: "billing", iss: "tests", exp: nowSec() + 60 });
    await assertRejected(servers, `Bearer ${wrongAud}`, "TOKEN_INVALID", /"aud"/);
    const wrongIss = await hs256({ sub: "ann", aud: "greeter", iss: "evil", exp: nowSec() + 60 });
    await assertRejected(servers, `Bearer ${wrongIss}`, "TOKEN_INVALID", /"iss"/);
    const early = await hs256({ aud: "greeter", iss: "tests", nbf: nowSec() + 3600 });
    await assertRejected(servers, `Bearer ${early}`, "TOKEN_INVALID", /not valid yet/);
    const forged = await hs256({ sub: "root", aud: "greeter", iss: "tests" }, "another-secret");
    await assertRejected(servers, `Bearer ${forged}`, "TOKEN_INVALID", /signature is invalid/);
    const hs512 = await hs256({ aud: "greeter", iss: "tests" }, secret, "HS512");
    await assertRejected(servers, `Bearer ${hs512}`, "TOKEN_INVALID", /algorithm is not allowed/);
    const unsigned = `${btoa('{"alg":"none"}')}.${btoa('{"sub":"root"}')}.`.replaceAll("=", "");
    await assertRejected(servers, `Bearer ${unsigned}`, "TOKEN_INVALID", /./);

    await assertRejected(servers, undefined, "TOKEN_MISSING", /missing bearer token/);
    await assertRejected(servers, "Basic dXNlcjpwYXNz", "TOKEN_MISSING", /not a bearer token/);
    await assertRejected(servers, "Bearer", "TOKEN_MISSING", /not a bearer token/);
    await assertRejected(servers, "Bearer not-a-jwt", "TOKEN_INVALID", /malformed token/);
    await assertRejected(servers, "Bearer a.b.c", "TOKEN_INVALID", /malformed token/);
  });
});

Deno.test("auth: each call's header is read anew, whatever the call before it sent", async () => {
  // The middleware remembers the last bearer header; a change in either direction must show.
  await withServers([auth.server({ verify: { secret } })], async (servers) => {
    const ann = await hs256({ sub: "ann", exp: nowSec() + 60 });
    const bob = await hs256({ sub: "bob", exp: nowSec() + 60 });
    await assertAccepted(servers, `Bearer ${ann}`, "sub=ann aud=null");
    await assertRejected(servers, `Basic ${ann}`, "TOKEN_MISSING", /not a bearer token/);
    await assertAccepted(servers, `Bearer ${ann}`, "sub=ann aud=null");
    await assertAccepted(servers, `Bearer ${bob}`, "sub=bob aud=null");
    await assertAccepted(servers, `bearer ${ann}`, "sub=ann aud=null");
    await assertRejected(servers, `Bearer ${ann}x!`, "TOKEN_MISSING", /not a bearer token/);
    await assertRejected(servers, `Bearer ${ann}x`, "TOKEN_INVALID", /./);
    await assertAccepted(servers, `Bearer ${ann}`, "sub=ann aud=null");
  });
});

Deno.test("auth RS256: a CryptoKey or a JWK public key; the private key never reaches the server", async () => {
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const other = await generateKeyPair("RS256");
  const sign = (key: CryptoKey, claims: JWTPayload) =>
    new SignJWT(claims).setProtectedHeader({ alg: "RS256" }).setExpirationTime("1m").sign(key);
  const jwk = await exportJWK(publicKey);
  for (const verify of [{ key: publicKey }, { key: { ...jwk, alg: "RS256" } }]) {
    await withServers([auth.server({ verify })], async (servers) => {
      await assertAccepted(
        servers,
        `Bearer ${await sign(privateKey, { sub: "rsa" })}`,
        "sub=rsa aud=null",
      );
      await assertRejected(
        servers,
        `Bearer ${await sign(other.privateKey, { sub: "rsa" })}`,
        "TOKEN_INVALID",
        /signature is invalid/,
      );
      // Algorithm confusion: an HS256 token "signed" with the public key as the secret.
      const confused = await hs256({ sub: "rsa" }, JSON.stringify(jwk));
      await assertRejected(servers, `Bearer ${confused}`, "TOKEN_INVALID", /./);
    });
  }
});

Deno.test("auth JWKS: keys fetched from a local server, unknown kid rejected, outage is 503", async () => {
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256", use: "sig" };
  let fetches = 0;
  const jwks = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    fetches++;
    return Response.json({ keys: [jwk] });
  });
  const url = `http://127.0.0.1:${jwks.addr.port}/.well-known/jwks.json`;
  const sign = (kid: string) =>
    new SignJWT({ sub: "ec" }).setProtectedHeader({ alg: "ES256", kid }).setExpirationTime("1m")
      .sign(privateKey);
  try {
    await withServers([auth.server({ verify: { jwks: url }, cacheSize: 0 })], async (servers) => {
      await assertAccepted(servers, `Bearer ${await sign("k1")}`, "sub=ec aud=null");
      assert.equal(fetches, 1, "the key set is fetched once and cached");
      await assertRejected(servers, `Bearer ${await sign("k2")}`, "TOKEN_INVALID", /no known key/);
    });
  } finally {
    await jwks.shutdown();
  }
  // The key server is gone now: that is Unavailable (retryable), not the caller's fault.
  await withServers([auth.server({ verify: { jwks: url, timeoutMs: 2_000 } })], async (servers) => {
    for (
      const [protocol, r] of Object.entries(await callAll(servers, `Bearer ${await sign("k1")}`))
    ) {
      assert.equal(ConnectError.from(r.error).code, Code.Unavailable, protocol);
      assert.equal(reason(r.error), "JWKS_UNAVAILABLE", protocol);
    }
  });
});

Deno.test("auth: reason UNAUTHORIZED answers like Go Kratos for every failure", async () => {
  const mw = auth.server({ verify: { secret }, reason: "UNAUTHORIZED" });
  await withServers([mw], async (servers) => {
    await assertRejected(servers, undefined, "UNAUTHORIZED", /missing bearer token/);
    const expired = await hs256({ exp: nowSec() - 5 });
    await assertRejected(servers, `Bearer ${expired}`, "UNAUTHORIZED", /token expired/);
    await assertRejected(servers, "Bearer x.y.z", "UNAUTHORIZED", /malformed/);
  });
});

Deno.test("auth: clockToleranceMs accepts a token that expired within it, not one before", async () => {
  const expired = await hs256({ sub: "ann", exp: nowSec() - 30 });
  const lenient = auth.server({ verify: { secret }, clockToleranceMs: 120_000 });
  await withServers([lenient], async (servers) => {
    for (const [protocol, r] of Object.entries(await callAll(servers, `Bearer ${expired}`))) {
      assert.equal(r.error, undefined, `${protocol}: ${r.error}`);
    }
  });
  const strict = auth.server({ verify: { secret }, clockToleranceMs: 5_000 });
  await withServers([strict], async (servers) => {
    await assertRejected(servers, `Bearer ${expired}`, "TOKEN_EXPIRED", /token expired/);
  });
  assert.throws(
    () => auth.server({ verify: { secret }, clockToleranceMs: -1 }),
    (e: unknown) => e instanceof InvalidOptionError && e.option === "clockToleranceMs",
  );
});

Deno.test("auth: a custom verify function; its own AtreusErrors pass through", async () => {
  const mw = auth.server({
    verify: (token) => {
      if (token === "opaque-good") return { sub: "opaque" };
      if (token === "opaque-banned") throw forbidden("BANNED", "this user is banned");
      throw new Error("unknown token");
    },
  });
  await withServers([mw], async (servers) => {
    await assertAccepted(servers, "Bearer opaque-good", "sub=opaque aud=null");
    await assertRejected(servers, "Bearer opaque-bad", "TOKEN_INVALID", /rejected by the verifier/);
    for (const [protocol, r] of Object.entries(await callAll(servers, "Bearer opaque-banned"))) {
      assert.equal(code(r.error), 403, protocol);
      assert.equal(reason(r.error), "BANNED", protocol);
    }
  });
});

Deno.test("auth cache: a reused token is verified once, and never served past its exp", async () => {
  let now = 1_700_000_000_000;
  let verified = 0;
  const exp = now / 1000 + 30;
  const mw = auth.server({
    verify: (token) => {
      verified++;
      return token === "t1" ? { sub: "a", exp } : { sub: "b" };
    },
    now: () => now,
    cacheTtlMs: 60_000,
  });
  await withServers([mw], async (servers) => {
    await assertAccepted(servers, "Bearer t1", "sub=a aud=null");
    assert.equal(verified, 1, "three protocols, one verification");
    now += 31_000; // past exp: the cached verdict must not be used
    await callAll(servers, "Bearer t1");
    assert.equal(verified, 4, "re-verified once it expired (the verifier decides again)");
    await callAll(servers, "Bearer t2");
    now += 59_000;
    await callAll(servers, "Bearer t2");
    assert.equal(verified, 5, "within the TTL");
    now += 2_000;
    await callAll(servers, "Bearer t2");
    assert.equal(verified, 6, "the TTL bounds a token without exp");
  });
  // With a JWT the re-verification past exp gives TOKEN_EXPIRED.
  let clock = Date.now();
  const jwtMw = auth.server({ verify: { secret }, now: () => clock });
  await withServers([jwtMw], async (servers) => {
    const token = await hs256({ sub: "c", exp: Math.floor(clock / 1000) + 10 });
    await assertAccepted(servers, `Bearer ${token}`, "sub=c aud=null");
    clock += 11_000;
    await assertRejected(servers, `Bearer ${token}`, "TOKEN_EXPIRED", /expired/);
  });
});

Deno.test("auth with selector: public operations pass without a token", async () => {
  const publicOps = new Set(["/helloworld.v1.Greeter/SayHelloStream"]);
  const mw = selector(auth.server({ verify: { secret } })).match((op) => !publicOps.has(op))
    .build();
  await withServers([mw], async (servers) => {
    for (const transport of Object.values(transports(servers))) {
      const client = createClient(Greeter, transport);
      const got: string[] = [];
      for await (const r of client.sayHelloStream({})) got.push(r.message);
      assert.deepEqual(got, ["stream sub=-"]);
      const err = await client.sayHello({}).then(() => undefined, (e) => e);
      assert.equal(reason(err), "TOKEN_MISSING");
    }
  });
});

Deno.test("auth.client: static token, token provider, explicit header wins, empty token fails locally", async () => {
  await withServers([auth.server({ verify: { secret } })], async (servers) => {
    const token = await hs256({ sub: "static" });
    let provided = 0;
    const provider = async () => {
      provided++;
      return await hs256({ sub: `dyn${provided}` });
    };
    for (const protocol of ["connect", "grpc-web", "grpc"] as const) {
      const fixed = createClient(Greeter, transports(servers, [auth.client({ token })])[protocol]);
      assert.equal((await fixed.sayHello({})).message, "sub=static aud=null");
      const explicit = await hs256({ sub: "explicit" });
      const own = await fixed.sayHello({}, { headers: { authorization: `Bearer ${explicit}` } });
      assert.equal(own.message, "sub=explicit aud=null", "the call's own header is kept");
      const dynamic = createClient(
        Greeter,
        transports(servers, [auth.client({ token: provider })])[protocol],
      );
      assert.match((await dynamic.sayHello({})).message, /^sub=dyn\d aud=null$/);
      const empty = createClient(
        Greeter,
        transports(servers, [auth.client({ token: () => "" })])[protocol],
      );
      const err = await empty.sayHello({}).then(() => undefined, (e) => e);
      assert.equal(reason(err), "TOKEN_MISSING");
      assert.match(String(err), /token provider returned no token/);
    }
    assert.equal(provided, 3, "the provider runs per call");
  });
});

Deno.test("auth: misconfiguration fails at construction with a clear TypeError", () => {
  assert.throws(() => auth.server({} as never), /options.verify is required/);
  assert.throws(() => auth.server({ verify: { secret: "" } }), /non-empty string/);
  assert.throws(() => auth.server({ verify: { jwks: "not a url" } }), /http\(s\) URL/);
  assert.throws(() => auth.server({ verify: { jwks: "file:///etc/keys" } }), /http\(s\) URL/);
  assert.throws(() => auth.server({ verify: { key: {} as JsonWebKey } }), /kty/);
  assert.throws(() => auth.server({ verify: { nonsense: 1 } as never }), /\{ secret \}/);
  assert.throws(() => auth.server({ verify: { secret }, cacheSize: -1 }), RangeError);
  assert.throws(() => auth.client({ token: "" }), /must not be empty/);
  assert.throws(() => auth.client({ token: 42 as never }), /string or a function/);
});
