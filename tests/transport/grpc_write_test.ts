// Backpressure on the gRPC server's stream writes: a full buffer must make the writer wait for
// "drain", and a stream closed while waiting must fail the write rather than hang it.
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { setImmediate } from "node:timers";
import { WriteBatch, writeChunk } from "../../transport/grpc/stream.ts";

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

function recordingWritable() {
  const writes: number[] = [];
  const stream = new Writable({
    write(chunk: Uint8Array, _encoding, callback) {
      writes.push(chunk.byteLength);
      callback();
    },
  });
  return { stream, writes };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

Deno.test("WriteBatch writes the chunks of one turn as one write, in order", async () => {
  const chunks: Uint8Array[] = [];
  const stream = new Writable({
    write(chunk: Uint8Array, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  const batch = new WriteBatch(stream as never);
  batch.add(Uint8Array.of(1, 2));
  batch.add(Uint8Array.of(3));
  assert.equal(chunks.length, 0, "nothing leaves before the turn ends");
  await turn();
  batch.add(Uint8Array.of(4));
  await turn();
  assert.deepEqual(chunks.map((c) => [...c]), [[1, 2, 3], [4]]);
  stream.destroy();
});

Deno.test("WriteBatch writes a large batch at once and flush empties the rest", () => {
  const { stream, writes } = recordingWritable();
  const batch = new WriteBatch(stream as never);
  batch.add(new Uint8Array(10_000));
  batch.add(new Uint8Array(10_000));
  assert.deepEqual(writes, [20_000], "16 KB or more is written without waiting for the turn");
  batch.add(new Uint8Array(5));
  batch.flush();
  assert.deepEqual(writes, [20_000, 5]);
  batch.flush();
  assert.deepEqual(writes, [20_000, 5], "an empty batch writes nothing");
  stream.destroy();
});

Deno.test("WriteBatch hands backpressure from a turn's flush to the next add", async () => {
  const { stream, release } = heldWritable();
  const batch = new WriteBatch(stream as never);
  assert.equal(batch.add(new Uint8Array(16)), undefined);
  await turn();
  const pending = batch.add(new Uint8Array(1));
  assert.ok(pending instanceof Promise, "the full buffer must surface on the next add");
  release();
  await pending;
  stream.destroy();
});
