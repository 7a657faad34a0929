// Backpressure on the gRPC server's stream writes: a full buffer must make the writer wait for
// "drain", and a stream closed while waiting must fail the write rather than hang it.
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { writeChunk } from "../../transport/grpc/stream.ts";

function heldWritable() {
  const callbacks: (() => void)[] = [];
  const stream = new Writable({
    highWaterMark: 4,
    write(_chunk, _encoding, callback) {
      callbacks.push(callback);
    },
  });
  return { stream, release: () => callbacks.splice(0).forEach((cb) => cb()) };
}

Deno.test("writeChunk returns nothing while the buffer has room", () => {
  const { stream } = heldWritable();
  assert.equal(writeChunk(stream as never, new Uint8Array(1)), undefined);
  stream.destroy();
});

Deno.test("writeChunk waits for drain when the buffer is full", async () => {
  const { stream, release } = heldWritable();
  const pending = writeChunk(stream as never, new Uint8Array(16));
  assert.ok(pending instanceof Promise, "a full buffer must yield a promise");
  let settled = false;
  pending.then(() => (settled = true));
  await Promise.resolve();
  assert.equal(settled, false, "must not resolve before drain");
  release();
  await pending;
  assert.equal(stream.listenerCount("close"), 0, "listeners are removed after drain");
  stream.destroy();
});

Deno.test("writeChunk rejects when the stream closes while waiting", async () => {
  const { stream } = heldWritable();
  const pending = writeChunk(stream as never, new Uint8Array(16));
  assert.ok(pending);
  stream.destroy();
  await assert.rejects(pending, /stream closed by the client/);
  assert.equal(stream.listenerCount("drain"), 0);
});

Deno.test("writeChunk rejects at once on a destroyed stream", async () => {
  const { stream } = heldWritable();
  stream.destroy();
  await assert.rejects(
    writeChunk(stream as never, new Uint8Array(1)) ?? Promise.resolve(),
    /stream closed by the client/,
  );
});
