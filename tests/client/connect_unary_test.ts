// The client's own Connect unary path over fetch (transport/client/connect_unary.ts), both as a
// Connect-ES transport method and as the client calls a node (`direct`), against Connect-ES's
// Connect transport over the same fetch as the oracle, on replies a raw node:http server makes
// well and badly formed: both must give the same message, headers and trailers, or the same
// error (code, message, metadata), and send the server the same request headers.
import assert from "node:assert/strict";
import * as http from "node:http";
import { gzipSync } from "node:zlib";
import { create, toBinary } from "@bufbuild/protobuf";
import { ConnectError, type Transport } from "@connectrpc/connect";
import { createTransport } from "@connectrpc/connect/protocol-connect";
import { gzip } from "../../transport/mod.ts";
import { connectUnaryOverFetch } from "../../transport/client/connect_unary.ts";
import { fetchHttpClient } from "../../transport/client/fetch.ts";
import { guardFetch } from "../../transport/client/failure.ts";
import type { CallAbort } from "../../transport/client/unary_method.ts";
import { outcomeOf } from "./outcome.ts";
import {
  Greeter,
  HelloReplySchema,
} from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";

const reply = toBinary(HelloReplySchema, create(HelloReplySchema, { message: "hi" }));
type Head = Record<string, string | string[]>;
const PROTO: Head = { "content-type": "application/proto" };
const jsonError = (code: string, message: string) =>
  new TextEncoder().encode(JSON.stringify({ code, message }));

// Each case: the reply's status, headers and body; `length: false` sends it without a
// Content-Length (chunked).
const cases: Record<string, { status?: number; head: Head; body: Uint8Array; length?: false }> = {
  ok: { head: PROTO, body: reply },
  "headers and trailers": {
    head: { ...PROTO, "x-md-a": ["1", "2"], "trailer-x-md-t": ["p", "q"] },
    body: reply,
  },
  chunked: { head: PROTO, body: reply, length: false },
  "json error with metadata": {
    status: 404,
    head: { "content-type": "application/json", "x-md-e": "a", "trailer-x-md-f": "b" },
    body: jsonError("not_found", "no such thing"),
  },
  "json error chunked": {
    status: 429,
    head: { "content-type": "application/json" },
    body: jsonError("resource_exhausted", "slow down"),
    length: false,
  },
  "http 503 text": { status: 503, head: { "content-type": "text/plain" }, body: reply },
  "wrong content type": { head: { "content-type": "application/json" }, body: reply },
  "missing content type": { head: {}, body: reply },
  "over readMaxBytes": { head: PROTO, body: new Uint8Array(2048) },
  "over readMaxBytes chunked": { head: PROTO, body: new Uint8Array(2048), length: false },
  "gzip (fetch decodes)": {
    head: { ...PROTO, "content-encoding": "gzip" },
    body: gzipSync(reply),
  },
  "unknown encoding": { head: { ...PROTO, "content-encoding": "x-snappy" }, body: reply },
  "bad message bytes": { head: PROTO, body: new Uint8Array([0xff]) },
  redirect: { status: 302, head: { location: "/elsewhere" }, body: new Uint8Array(0) },
  // The request headers the server got, as the message: both paths must send the same.
  echo: { head: PROTO, body: new Uint8Array(0) },
};
const sent = ["connect-timeout-ms", "content-type", "connect-protocol-version", "accept-encoding"]
  .concat(["content-encoding", "user-agent", "x-user"]);

Deno.test("Connect unary: the client's path answers as Connect-ES's transport", async () => {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const name = String(req.headers["x-case"] ?? "echo");
      if (name === "stall") {
        // Headers and part of the body, then nothing: only the call's signal can end it.
        res.writeHead(200, { ...PROTO, "content-length": String(reply.length) });
        res.write(reply.subarray(0, 2));
        return;
      }
      const c = cases[name];
      let body = c.body;
      if (name === "echo") {
        const got = sent.map((h) => `${h}=${req.headers[h] ?? "-"}`).join(";");
        const size = Buffer.concat(chunks).length;
        body = toBinary(HelloReplySchema, create(HelloReplySchema, { message: `${got};${size}` }));
      }
      const head: Head = { ...c.head };
      if (c.length !== false) head["content-length"] = String(body.length);
      res.writeHead(c.status ?? 200, head);
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const pair = (extra: object) => {
    const options = {
      baseUrl,
      httpClient: fetchHttpClient(guardFetch(globalThis.fetch, baseUrl), false),
      useBinaryFormat: true,
      interceptors: [],
      acceptCompression: [gzip],
      compressMinBytes: 1023,
      readMaxBytes: 1024,
      writeMaxBytes: 0xffffffff,
      sendCompression: null,
      ...extra,
    };
    const oracle: Transport = createTransport(options);
    return {
      oracle,
      ours: connectUnaryOverFetch(globalThis.fetch, options, oracle.unary),
    };
  };
  const outcome = outcomeOf;
  const callAbort = (signal?: AbortSignal): CallAbort => ({
    signal: signal ?? new AbortController().signal,
    onAbort: undefined,
  });
  const sayHello = Greeter.method.sayHello;
  const message = create(Greeter.method.sayHello.input, { name: "x" });
  try {
    const plain = pair({});
    for (const name of Object.keys(cases)) {
      const header = { "x-case": name, "x-user": "u" };
      const expected = await outcome(() =>
        plain.oracle.unary(sayHello, undefined, undefined, header, { name: "x" })
      );
      assert.deepEqual(
        await outcome(() =>
          plain.ours.unary(sayHello, undefined, undefined, header, { name: "x" })
        ),
        expected,
        `unary: ${name}`,
      );
      assert.deepEqual(
        await outcome(() => plain.ours.direct(sayHello, callAbort(), undefined, header, message)),
        expected,
        `direct: ${name}`,
      );
    }
    // A deadline reaches the server as Connect-ES's transport writes it, with or without the
    // caller's own headers; a request over compressMinBytes is compressed alike.
    for (
      const [label, transports] of [["plain", plain], [
        "gzip",
        pair({
          sendCompression: gzip,
          compressMinBytes: 0,
        }),
      ]] as const
    ) {
      const echo = { "x-case": "echo" };
      const expected = await outcome(() =>
        transports.oracle.unary(sayHello, undefined, 1500, { ...echo, "x-user": "u" }, message)
      );
      assert.deepEqual(
        await outcome(() =>
          transports.ours.direct(sayHello, callAbort(), 1500, { ...echo, "x-user": "u" }, message)
        ),
        expected,
        `${label}: timeout header with caller headers`,
      );
      // As the client passes a middleware's headers: a record of lowercase names, one of them
      // a header the protocol's replace, and a user agent of the caller's own.
      for (const extra of [{}, { "user-agent": "mine/1" }] as Record<string, string>[]) {
        const record: Record<string, string> = {
          ...echo,
          "x-user": "u",
          "content-type": "text/plain",
          ...extra,
        };
        assert.deepEqual(
          await outcome(() =>
            transports.ours.direct(sayHello, callAbort(), 1500, record, message, true)
          ),
          await outcome(() => transports.oracle.unary(sayHello, undefined, 1500, record, message)),
          `${label}: timeout header with a lowercase record ${JSON.stringify(extra)}`,
        );
      }
      // Without headers of its own (the record path) the server echoes by default.
      assert.deepEqual(
        await outcome(() =>
          transports.ours.direct(sayHello, callAbort(), 1500, undefined, message)
        ),
        await outcome(() => transports.oracle.unary(sayHello, undefined, 1500, undefined, message)),
        `${label}: timeout header without caller headers`,
      );
    }
    // Pinned once, so a change both paths made alike would show too.
    const echoed = await plain.ours.direct(sayHello, callAbort(), 1500, undefined, message);
    assert.equal(
      echoed.message.message,
      "connect-timeout-ms=1500;content-type=application/proto;connect-protocol-version=1;" +
        "accept-encoding=gzip;content-encoding=-;user-agent=connect-es/2.2.0;x-user=-;3",
    );
    // A caller's abort ends the call as Connect-ES's does (Canceled with its reason).
    const aborted = new AbortController();
    aborted.abort(new Error("stop"));
    const failed = (p: Promise<unknown>) =>
      p.then(
        () => "answered",
        (e) => `${ConnectError.from(e).code} ${ConnectError.from(e).rawMessage}`,
      );
    const expectedAbort = await failed(
      plain.oracle.unary(sayHello, aborted.signal, undefined, { "x-case": "ok" }, message),
    );
    assert.equal(
      await failed(
        plain.ours.unary(sayHello, aborted.signal, undefined, { "x-case": "ok" }, message),
      ),
      expectedAbort,
    );
    assert.equal(
      await failed(
        plain.ours.direct(
          sayHello,
          callAbort(aborted.signal),
          undefined,
          { "x-case": "ok" },
          message,
        ),
      ),
      expectedAbort,
    );
    // A deadline that passes while the body is still coming ends the call: through a listener
    // on the signal (unary), or through the call's onAbort (direct), as Connect-ES's timeout.
    const expectedStall = await failed(
      plain.oracle.unary(sayHello, undefined, 200, { "x-case": "stall" }, message),
    );
    assert.match(expectedStall, /^4 /); // DeadlineExceeded
    const timedOut = () => new ConnectError("the operation timed out", 4);
    const stalled = new AbortController();
    setTimeout(() => stalled.abort(timedOut()), 200);
    assert.equal(
      await failed(
        plain.ours.unary(sayHello, stalled.signal, undefined, { "x-case": "stall" }, message),
      ),
      expectedStall,
    );
    const direct = new AbortController();
    const call = callAbort(direct.signal);
    setTimeout(() => {
      direct.abort(timedOut());
      call.onAbort?.(direct.signal.reason);
    }, 200);
    assert.equal(
      await failed(plain.ours.direct(sayHello, call, undefined, { "x-case": "stall" }, message)),
      expectedStall,
    );
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
