// timeout() on streams, in-process: a stream keeps its deadline until it ends, and its timer
// is released however the stream ends: these tests opt into Deno's op sanitizer, which fails a
// test that leaves a timer armed.
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { timeout } from "../../middleware/mod.ts";
import type { CallResponse } from "../../transport/mod.ts";
import { callRequest, streamResponse } from "../support/client.ts";
import { EchoReplySchema } from "../client/proto/gen/fixture/client/v1/echo_pb.ts";

const LONG = 60_000;

/** A test that fails if it leaves a timer (or any other op) pending. */
function leakFree(name: string, fn: () => Promise<void>) {
  Deno.test({ name, sanitizeOps: true, fn });
}

Deno.test("timeout: a stream that outlives its deadline fails mid-stream with DeadlineExceeded", async () => {
  const req = callRequest("list");
  let release = () => {};
  const call = timeout(20)(() =>
    Promise.resolve({
      ...streamResponse(req, []),
      message: (async function* () {
        yield create(EchoReplySchema, { text: "first" });
        // Hangs until the test lets go, so only the deadline can end the read.
        await new Promise<void>((r) => (release = r));
      })(),
    } as CallResponse)
  );
  const res = await call(req);
  assert.ok(res.stream);
  const it = res.message[Symbol.asyncIterator]();
  assert.equal(((await it.next()).value as unknown as { text: string }).text, "first");
  const error = await it.next().then(() => undefined, (e) => e);
  release();
  assert.ok(error instanceof ConnectError, String(error));
  assert.equal(error.code, Code.DeadlineExceeded);
});

leakFree("timeout: a stream read to its end releases its timer", async () => {
  const req = callRequest("list");
  const res = await timeout(LONG)((r) => Promise.resolve(streamResponse(r, ["a", "b", "c"])))(req);
  assert.ok(res.stream);
  const texts: string[] = [];
  for await (const m of res.message) texts.push((m as unknown as { text: string }).text);
  assert.deepEqual(texts, ["a", "b", "c"]);
});

leakFree("timeout: a stream let go of early releases its timer", async () => {
  const req = callRequest("list");
  const res = await timeout(LONG)((r) => Promise.resolve(streamResponse(r, ["a", "b", "c"])))(req);
  assert.ok(res.stream);
  for await (const _ of res.message) break;
});

leakFree("timeout: a stream never read releases its timer when the call is aborted", async () => {
  const abort = new AbortController();
  const req = callRequest("list", { signal: abort.signal });
  const res = await timeout(LONG)((r) => Promise.resolve(streamResponse(r, ["a"])))(req);
  assert.ok(res.stream);
  abort.abort();
});

leakFree("timeout: a failing stream releases its timer and passes the error on", async () => {
  const req = callRequest("list");
  const failure = new ConnectError("backend gone", Code.Unavailable);
  const res = await timeout(LONG)((r) => Promise.resolve(streamResponse(r, ["a"], failure)))(req);
  assert.ok(res.stream);
  const texts: string[] = [];
  const error = await (async () => {
    for await (const m of res.message) texts.push((m as unknown as { text: string }).text);
  })().then(() => undefined, (e) => e);
  assert.deepEqual(texts, ["a"]);
  assert.equal(error, failure);
});
