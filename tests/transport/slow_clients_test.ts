// Slow and oversized HTTP/1.1 clients against the HTTP server's listener on Deno, Bun and Node,
// with small limits so that each case ends in well under a second where the runtime enforces
// them: partial headers trickled (slowloris), a body trickled byte by byte, a header block over
// the limit, an idle keep-alive connection. After each, an honest request still answers.
// Deno.serve and Bun.serve take none of these settings: their cases assert what they do
// (measured, README "Reliability").
import assert from "node:assert/strict";
import { Child } from "../support/process.ts";
import { type Runtime, runtimeCommand } from "../support/helloworld.ts";
import { root } from "../support/tools.ts";
import { connect as tcp, send, untilClosed } from "../support/raw.ts";
import { testCertificates } from "../support/certs.ts";

const SCRIPT = `${root}tests/transport/slow_clients_script.ts`;
// Where the runtime enforces the limits (400 ms headers, 800 ms request, 400 ms keep-alive), a
// connection must be closed within this; elsewhere the case asserts it is still open then.
const BOUND_MS = 3_000;
function connect(url: string): Promise<Deno.Conn> {
  if (!url.startsWith("https:")) return tcp(url);
  const { port } = new URL(url);
  return Deno.connectTls({ hostname: "127.0.0.1", port: Number(port), caCerts: [caCert!] });
}

const trickle = { bytes: () => new Uint8Array([0x61]), everyMs: 50 };

let client: Deno.HttpClient | undefined;
let caCert: string | undefined;

async function honest(url: string): Promise<void> {
  const res = await fetch(`${url}ping`, {
    signal: AbortSignal.timeout(1_000),
    client,
  } as RequestInit);
  assert.equal(await res.text(), "pong");
}

async function withServer(
  runtime: Runtime,
  env: Record<string, string>,
  fn: (url: string) => Promise<void>,
): Promise<void> {
  const [cmd, args] = runtimeCommand(runtime, SCRIPT);
  const child = new Child(`slow-clients/${runtime}`, cmd, args, { cwd: root, env });
  try {
    await fn((await child.waitFor(/^serving (\S+)/, 30_000))[1]);
  } finally {
    await child.close();
  }
}

async function slowloris(url: string) {
  const conn = await connect(url);
  await send(conn, "GET /ping HTTP/1.1\r\nhost: x\r\nx-slow: ");
  return untilClosed(conn, BOUND_MS, trickle);
}

async function trickledBody(url: string) {
  const conn = await connect(url);
  await send(conn, "POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 100000\r\n\r\n");
  return untilClosed(conn, BOUND_MS, trickle);
}

async function oversized(url: string) {
  const conn = await connect(url);
  // 64 KiB: over the 8 KiB set here (Node) and over what Deno.serve and Bun.serve allow.
  await send(conn, `GET /ping HTTP/1.1\r\nhost: x\r\nx-big: ${"a".repeat(64 * 1024)}\r\n\r\n`);
  return untilClosed(conn, BOUND_MS);
}

async function idle(url: string) {
  const conn = await connect(url);
  await send(conn, "GET /ping HTTP/1.1\r\nhost: x\r\n\r\n");
  return untilClosed(conn, BOUND_MS);
}

const cases: [Runtime, boolean][] = [["node", false], ["node", true], ["deno", false], [
  "bun",
  false,
]];
for (const [runtime, tls] of cases) {
  const enforced = runtime === "node";
  Deno.test(`slow and oversized HTTP/1.1 clients on ${runtime}${tls ? " (TLS)" : ""}`, async () => {
    let env = {};
    if (tls) {
      const certs = await testCertificates();
      caCert = certs.ca;
      client = Deno.createHttpClient({ caCerts: [certs.ca] });
      env = { TLS_CERT: certs.cert, TLS_KEY: certs.key };
    }
    try {
      await attack(runtime, enforced, env);
    } finally {
      client?.close();
      client = undefined;
    }
  });
}

async function attack(runtime: Runtime, enforced: boolean, env: Record<string, string>) {
  {
    await withServer(runtime, env, async (url) => {
      // All at once: the bound is waited for once, and the honest calls run under the attack.
      const attacks = Promise.all([slowloris(url), trickledBody(url), oversized(url), idle(url)]);
      await honest(url);
      const [loris, body, big, kept] = await attacks;
      await honest(url);
      const status = (e: { text: string }) => /^HTTP\/1\.1 (\d+)/.exec(e.text)?.[1];

      assert.ok(big.closed, "the connection stays open after an oversized header block");
      assert.equal(status(big), runtime === "deno" ? "400" : "431", big.text.slice(0, 200));
      assert.equal(status(kept), "200");
      if (enforced) {
        assert.ok(loris.closed, "a slowloris connection outlived headersTimeoutMs");
        assert.equal(status(loris), "408");
        assert.ok(body.closed, "a trickled body outlived requestTimeoutMs");
        assert.equal(status(body), "408");
        assert.ok(kept.closed, "an idle connection outlived keepAliveTimeoutMs");
      } else {
        // Measured (README "Reliability"): neither closes a connection that keeps sending, and
        // Deno.serve keeps an idle one (Bun.serve closes it after its 10 s idleTimeout).
        assert.equal(loris.closed, false, `${runtime} now closes slowloris: update the README`);
        assert.equal(body.closed, false, `${runtime} now cuts trickled bodies: update the README`);
        assert.equal(kept.closed, false, `${runtime} closed an idle connection within 3 s`);
      }
    });
  }
}
