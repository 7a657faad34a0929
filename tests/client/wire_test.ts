// What Connect's conformance suite found in the client, pinned with our own servers (and a
// grpc-js one) so each fix is checked where it is not obvious from a suite case's name.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import * as grpc from "@grpc/grpc-js";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { brotli, gzip } from "../../transport/mod.ts";
import { type ClientProtocol, createClient } from "../../transport/client/mod.ts";
import { normalizeFailure } from "../../transport/client/failure.ts";
import {
  Echo,
  EchoReplySchema,
  type EchoRequest,
  EchoRequestSchema,
} from "./proto/gen/fixture/client/v1/echo_pb.ts";
import { type EchoServer, startEcho } from "../support/client.ts";

const all: ClientProtocol[] = ["connect", "grpc-web", "grpc"];
const endpointOf = (s: EchoServer, p: ClientProtocol) => p === "grpc" ? s.grpc : s.http;

/** A request stream the test writes into, one message at a time. */
class Pipe implements AsyncIterable<{ text: string }> {
  readonly #queue: { text: string }[] = [];
  #closed = false;
  #wake?: () => void;
  write(text: string): void {
    this.#queue.push({ text });
    this.#wake?.();
  }
  close(): void {
    this.#closed = true;
    this.#wake?.();
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<{ text: string }> {
    for (;;) {
      const next = this.#queue.shift();
      if (next !== undefined) yield next;
      else if (this.#closed) return;
      else await new Promise<void>((resolve) => this.#wake = resolve);
    }
  }
}

for (const protocol of all) {
  Deno.test(`${protocol}: client and half-duplex bidi streams (HTTP/1.1 over fetch)`, async () => {
    // connect-web refused these on Connect and gRPC-Web ("The fetch API does not support
    // streaming request bodies"); the request body now streams.
    const a = await startEcho("a");
    const client = createClient(Echo, { endpoint: endpointOf(a, protocol), protocol });
    try {
      const requests = async function* () {
        yield { text: "a" };
        yield { text: "b" };
      };
      assert.equal((await client.collect(requests())).text, "a,b");
      const got: string[] = [];
      for await (const r of client.chat(requests())) got.push(r.text);
      assert.deepEqual(got, ["A", "B"]);
    } finally {
      await client.close();
      await a.stop();
    }
  });

  Deno.test(`${protocol}: full-duplex bidi over HTTP/2`, async () => {
    const a = await startEcho("a");
    const client = createClient(Echo, {
      endpoint: endpointOf(a, protocol),
      protocol,
      httpVersion: protocol === "grpc" ? undefined : "2",
    });
    try {
      const pipe = new Pipe();
      const replies = client.chat(pipe, { timeoutMs: 5_000 })[Symbol.asyncIterator]();
      // Each reply arrives before the next request is written: only full duplex gets here.
      pipe.write("one");
      assert.equal((await replies.next()).value?.text, "ONE");
      pipe.write("two");
      assert.equal((await replies.next()).value?.text, "TWO");
      pipe.close();
      assert.equal((await replies.next()).done, true);
    } finally {
      await client.close();
      await a.stop();
    }
  });

  Deno.test(`${protocol}: a request iterable without throw() streams`, async () => {
    // Connect-ES's transports refused it: "AsyncIterable does not implement throw".
    const a = await startEcho("a");
    const client = createClient(Echo, { endpoint: endpointOf(a, protocol), protocol });
    try {
      const texts = ["x", "y", "z"];
      const plain: AsyncIterable<{ text: string }> = {
        [Symbol.asyncIterator]: () => ({
          next: () =>
            Promise.resolve(
              texts.length > 0
                ? { done: false, value: { text: texts.shift()! } }
                : { done: true, value: undefined },
            ),
        }),
      };
      assert.equal((await client.collect(plain)).text, "x,y,z");
    } finally {
      await client.close();
      await a.stop();
    }
  });

  Deno.test(`${protocol}: a stream that fails before it is read is no unhandled rejection`, async () => {
    const a = await startEcho("a");
    const endpoint = endpointOf(a, protocol);
    await a.stop();
    const unhandled: unknown[] = [];
    const onUnhandled = (e: PromiseRejectionEvent) => {
      unhandled.push(e.reason);
      e.preventDefault();
    };
    globalThis.addEventListener("unhandledrejection", onUnhandled);
    const client = createClient(Echo, { endpoint, protocol });
    try {
      const pipe = new Pipe();
      const replies = client.chat(pipe)[Symbol.asyncIterator]();
      // Another call to the refused port fails after the stream's own attempt has; one more
      // macrotask lets an unhandled rejection be reported.
      await client.get({ text: "x" }).catch(() => {});
      await new Promise((r) => setTimeout(r, 0));
      const err = await replies.next().then(() => undefined, (e) => e);
      assert.equal(ConnectError.from(err).code, Code.Unavailable, String(err));
      assert.deepEqual(unhandled, []);
    } finally {
      globalThis.removeEventListener("unhandledrejection", onUnhandled);
      await client.close();
    }
  });
}

for (const protocol of ["connect", "grpc-web"] as const) {
  Deno.test(`${protocol}: a compressed reply over fetch is decoded once`, async () => {
    // fetch decodes a gzip Content-Encoding itself; Connect-ES then decompressed it again and
    // held it to the compressed Content-Length ("promised 498 bytes, received 694").
    const a = await startEcho("a");
    const text = "compress me ".repeat(400);
    const client = createClient(Echo, {
      endpoint: a.http,
      protocol,
      sendCompression: gzip,
      acceptCompression: [gzip],
    });
    try {
      assert.equal((await client.get({ text })).text, text);
      const got: string[] = [];
      for await (const r of client.list({ text, count: 2 })) got.push(r.text);
      assert.deepEqual(got, [`${text} 1`, `${text} 2`]);
    } finally {
      await client.close();
      await a.stop();
    }
  });
}

/** A grpc-js server whose List sends `count` messages and trailers at once. */
async function grpcJsList(): Promise<{ endpoint: string; stop(): void }> {
  const server = new grpc.Server();
  server.addService({
    list: {
      path: "/fixture.client.v1.Echo/List",
      requestStream: false,
      responseStream: true,
      requestSerialize: (m: EchoRequest) => Buffer.from(toBinary(EchoRequestSchema, m)),
      requestDeserialize: (b: Buffer) => fromBinary(EchoRequestSchema, b),
      responseSerialize: (m: unknown) => Buffer.from(toBinary(EchoReplySchema, m as never)),
      responseDeserialize: (b: Buffer) => fromBinary(EchoReplySchema, b),
    },
  }, {
    list: (call: grpc.ServerWritableStream<EchoRequest, unknown>) => {
      for (let i = 1; i <= call.request.count; i++) {
        call.write(create(EchoReplySchema, { text: `m${i}` }));
      }
      call.end();
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      "127.0.0.1:0",
      grpc.ServerCredentials.createInsecure(),
      (e, p) => e ? reject(e) : resolve(p),
    )
  );
  return { endpoint: `grpc://127.0.0.1:${port}`, stop: () => server.forceShutdown() };
}

Deno.test("grpc: a server stream read slowly ends cleanly (no Premature close)", async () => {
  // Iterating a ClientHttp2Stream whose data and end arrived before the reader got to them
  // threw ERR_STREAM_PREMATURE_CLOSE on Deno 2.9 and Node 24.20+ (nodejs/node#65677).
  const server = await grpcJsList();
  const client = createClient(Echo, { endpoint: server.endpoint, protocol: "grpc" });
  try {
    for (let call = 0; call < 5; call++) {
      const got: string[] = [];
      for await (const r of client.list({ text: "x", count: 4 })) {
        got.push(r.text);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      assert.deepEqual(got, ["m1", "m2", "m3", "m4"]);
    }
  } finally {
    await client.close();
    server.stop();
  }
});

Deno.test("a Canceled reset that comes at the deadline is DeadlineExceeded", () => {
  const reset = new ConnectError("http/2 stream closed with error code CANCEL", Code.Canceled);
  const live = new AbortController().signal;
  const past = Date.now() - 1;
  const e = normalizeFailure(reset, live, past) as ConnectError;
  assert.equal(e.code, Code.DeadlineExceeded);
  assert.equal(e.rawMessage, reset.rawMessage);
  // Before the deadline, or when the caller aborted, it stays what it was.
  assert.equal(normalizeFailure(reset, live, Date.now() + 60_000), reset);
  assert.equal(normalizeFailure(reset, live, undefined), reset);
  const aborted = new AbortController();
  aborted.abort();
  assert.equal(normalizeFailure(reset, aborted.signal, past), reset);
});

Deno.test("brotli: round trip, the read limit while inflating, corrupt input", async () => {
  const text = new TextEncoder().encode("brotli ".repeat(10_000));
  const packed = await brotli.compress(text);
  assert.ok(packed.byteLength < text.byteLength / 10);
  assert.deepEqual(await brotli.decompress(packed, text.byteLength), text);
  const over = await brotli.decompress(packed, 1_000).then(() => undefined, (e) => e);
  assert.equal(ConnectError.from(over).code, Code.ResourceExhausted);
  assert.match(String(over), /bigger than 1000 bytes/);
  assert.equal((await brotli.decompress(new Uint8Array(0), 10)).byteLength, 0);
});
