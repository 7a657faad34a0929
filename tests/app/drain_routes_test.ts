// User routes drain like RPCs: SIGTERM while a server.route call and a plain Hono route's
// streamed reply are in flight → both complete, a new request is refused with 503, the process
// exits 0. On Deno, Bun and Node, over raw HTTP/1.1 so the test decides when each call ends.
import assert from "node:assert/strict";
import { Child } from "../support/process.ts";
import { type Runtime, runtimeCommand } from "../support/helloworld.ts";
import { root } from "../support/tools.ts";

const SCRIPT = `${root}tests/app/drain_routes_script.ts`;

/** Rejects when `p` takes longer than `ms`. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** One HTTP/1.1 request written by hand with a chunked body the test feeds. */
class RawCall {
  readonly #conn: Deno.Conn;
  readonly #decoder = new TextDecoder();
  #text = "";

  private constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  static async open(url: string, path: string): Promise<RawCall> {
    const { hostname, port } = new URL(url);
    const call = new RawCall(await Deno.connect({ hostname, port: Number(port) }));
    await call.#write(
      `POST ${path} HTTP/1.1\r\nhost: ${hostname}:${port}\r\ntransfer-encoding: chunked\r\n\r\n`,
    );
    return call;
  }

  #write(text: string): Promise<number> {
    return this.#conn.write(new TextEncoder().encode(text));
  }

  send(chunk: string): Promise<number> {
    return this.#write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
  }

  end(): Promise<number> {
    return this.#write("0\r\n\r\n");
  }

  /** Reads until `done(text)` holds for what arrived; bounded by `ms`. */
  async readUntil(done: (text: string) => boolean, ms: number, what: string): Promise<string> {
    const buf = new Uint8Array(16 * 1024);
    const deadline = Date.now() + ms;
    while (!done(this.#text)) {
      const n = await within(this.#conn.read(buf), Math.max(1, deadline - Date.now()), what);
      if (n === null) {
        throw new Error(`${what}: connection closed after ${JSON.stringify(this.#text)}`);
      }
      this.#text += this.#decoder.decode(buf.subarray(0, n), { stream: true });
    }
    return this.#text;
  }

  close(): void {
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
  }
}

// A complete response: headers, then a body whose length (or chunked end) arrived.
function complete(text: string): boolean {
  const head = text.indexOf("\r\n\r\n");
  if (head < 0) return false;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, head));
  if (length) return new TextEncoder().encode(text.slice(head + 4)).length >= Number(length[1]);
  return text.endsWith("\r\n0\r\n\r\n");
}

// The body of a complete response, de-chunked when it was chunked.
function bodyOf(text: string): string {
  const head = text.indexOf("\r\n\r\n");
  const raw = text.slice(head + 4);
  if (!/\r\ntransfer-encoding:\s*chunked/i.test(text.slice(0, head))) return raw;
  let out = "";
  let rest = raw;
  for (;;) {
    const eol = rest.indexOf("\r\n");
    const size = parseInt(rest.slice(0, eol), 16);
    if (!(size > 0)) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}

async function refused(url: string, deadlineMs: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      (await Deno.connect({ hostname, port: Number(port) })).close();
    } catch (e) {
      if (e instanceof Deno.errors.ConnectionRefused) return true;
      if (!(e instanceof Deno.errors.ConnectionReset)) throw e;
    }
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const DRAINING = {
  code: 503,
  reason: "UNAVAILABLE",
  message: "the server is shutting down",
  metadata: {},
};

for (const runtime of ["deno", "bun", "node"] as Runtime[]) {
  Deno.test(`SIGTERM drains user routes (server.route and plain Hono) on ${runtime}`, async () => {
    const [cmd, args] = runtimeCommand(runtime, SCRIPT);
    const child = new Child(`drain-routes/${runtime}`, cmd, args, { cwd: root });
    const calls: RawCall[] = [];
    try {
      const url = (await child.waitFor(/^serving (\S+)/, 30_000))[1];
      const slow = await RawCall.open(url, "/slow");
      calls.push(slow);
      await slow.send("a");
      await child.waitFor(/slow started/, 10_000);
      const echo = await RawCall.open(url, "/echo");
      calls.push(echo);
      await echo.send("b");
      await echo.readUntil((t) => t.includes("B"), 10_000, "first echoed chunk");

      child.kill("SIGTERM");
      await child.waitFor(/HTTP server stopping/, 10_000);
      if (runtime === "deno") {
        // Deno's listener stays open until the calls end (denoland/deno#36809, README
        // "Reliability"): a new connection is answered, with 503.
        const res = await fetch(`${url}echo`, { method: "POST", body: "x" });
        assert.equal(res.status, 503);
        assert.equal(res.headers.get("retry-after"), "0");
        assert.deepEqual(await res.json(), DRAINING);
      } else {
        assert.ok(await refused(url, 5_000), "the listener still accepts connections");
      }

      await slow.send("c");
      await slow.end();
      const reply = await slow.readUntil(complete, 10_000, "the slow call's reply");
      assert.match(reply, /^HTTP\/1\.1 200/, reply);
      const got = JSON.parse(bodyOf(reply));
      assert.equal(got.received, "ac");
      assert.equal(got.inFlight, 2, "both user calls are counted in flight");
      assert.equal(got.probe.status, 503, `a new call during the drain: ${JSON.stringify(got)}`);
      assert.equal(got.probe.retryAfter, "0");
      assert.deepEqual(JSON.parse(got.probe.body), DRAINING);
      assert.equal(child.exitCode, undefined, "the process exited with a call in flight");

      await echo.send("d");
      await echo.end();
      const streamed = bodyOf(await echo.readUntil(complete, 10_000, "the echo's end"));
      const m = /^BD\|inflight=(\d+)\|probe=(.*)$/.exec(streamed);
      assert.ok(m, `echo stream cut or changed: ${JSON.stringify(streamed)}`);
      assert.equal(m[1], "1", "the streaming call is counted until its body ends");
      assert.equal(JSON.parse(m[2]).status, 503);

      const status = await child.exited(15_000);
      assert.equal(status.code, 0, child.output);
      await child.waitFor(/exited cleanly/, 1_000);
    } finally {
      for (const c of calls) c.close();
      await child.close();
    }
  });
}
