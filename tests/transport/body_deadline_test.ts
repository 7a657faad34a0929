// The body deadline's slots: a slot the sweep freed (its request ended) and gave to another stream
// is not released by the first call's late `done`, so the second stream is still held to the bound.
import assert from "node:assert/strict";
import type * as http2 from "node:http2";
import { BodyDeadline } from "../../transport/runtime/body_deadline.ts";

function fakeStream(): http2.ServerHttp2Stream & { readableEnded: boolean } {
  return {
    endAfterHeaders: false,
    readableEnded: false,
    destroyed: false,
    closed: false,
  } as unknown as http2.ServerHttp2Stream & { readableEnded: boolean };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("body deadline: a late done for a reused slot leaves its new stream watched", async () => {
  const expired: http2.ServerHttp2Stream[] = [];
  const bodies = new BodyDeadline<string>(40, (stream) => expired.push(stream));
  bodies.start();
  try {
    const a = fakeStream();
    const slotA = bodies.track(a, "grpc");
    assert.ok(slotA >= 0);
    a.readableEnded = true; // its request ended: the next sweep lets it go
    await sleep(60);
    const b = fakeStream();
    const slotB = bodies.track(b, "grpc");
    assert.equal(slotB, slotA, "the freed slot is reused");
    bodies.done(a, slotA); // a's call ends late: b stays watched
    await sleep(300);
    assert.deepEqual(expired, [b]);
    // An ended request is not tracked at all.
    const c = fakeStream();
    c.readableEnded = true;
    assert.equal(bodies.track(c, "grpc"), -1);
  } finally {
    bodies.stop();
  }
});

Deno.test("body deadline: done before the bound means no expiry", async () => {
  const expired: http2.ServerHttp2Stream[] = [];
  const bodies = new BodyDeadline<string>(20, (stream) => expired.push(stream));
  bodies.start();
  try {
    const a = fakeStream();
    bodies.done(a, bodies.track(a, "grpc"));
    await sleep(80);
    assert.deepEqual(expired, []);
  } finally {
    bodies.stop();
  }
});
