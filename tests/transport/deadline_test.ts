// The server's own timeout on every protocol (the deadlines that share one timer), a client's
// shorter deadline beside it, and the shared expiry queue itself: order, cancellation, a failing
// expiry, and no timer left behind once the last call ends (the op sanitizer checks).
import assert from "node:assert/strict";
import { Code, ConnectError, createClient, type HandlerContext } from "@connectrpc/connect";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { ExpiryQueue } from "../../internal/expiry.ts";
import { createHttpServer } from "../../transport/mod.ts";
import { startServers, transports } from "../support/servers.ts";

const TIMEOUT = 80;

function leakFree(name: string, fn: () => Promise<void>) {
  Deno.test({ name, sanitizeOps: true, sanitizeResources: true, fn });
}

// Answers at once, unless the name is "hang": then only its aborted signal ends it.
const impl = {
  sayHello(req: { name: string }, ctx: HandlerContext) {
    if (req.name !== "hang") return { message: `hi ${req.name}` };
    return new Promise<never>((_, reject) => {
      ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason), { once: true });
    });
  },
  async *sayHelloStream() {},
};

Deno.test("the server timeout fails a hanging call on every protocol, and only that call", async () => {
  const servers = await startServers([[Greeter, impl]], [], { timeout: TIMEOUT });
  try {
    for (const [kind, transport] of Object.entries(transports(servers))) {
      const client = createClient(Greeter, transport);
      const start = Date.now();
      // Calls overlap, completing out of order, so the queue holds done and live entries.
      const results = await Promise.all(
        ["a", "hang", "b", "hang", "c"].map((name) =>
          // The client's own 10 s bound keeps a broken server timeout from hanging the test.
          client.sayHello({ name }, { timeoutMs: 10_000 }).then(
            (r) => r.message,
            (e) => ConnectError.from(e),
          )
        ),
      );
      const elapsed = Date.now() - start;
      assert.deepEqual(results.filter((r) => typeof r === "string"), ["hi a", "hi b", "hi c"]);
      const failed = results.filter((r) => r instanceof ConnectError) as ConnectError[];
      assert.equal(failed.length, 2, kind);
      for (const e of failed) {
        assert.equal(e.code, Code.DeadlineExceeded, kind);
        assert.equal(e.rawMessage, `the server timeout of ${TIMEOUT} ms expired`, kind);
      }
      assert.ok(elapsed >= TIMEOUT - 1, `${kind}: failed after ${elapsed} ms`);
      // And again, from an idle queue.
      assert.equal((await client.sayHello({ name: "d" })).message, "hi d", kind);
    }
  } finally {
    await servers.close();
  }
});

Deno.test("a client's shorter deadline is its own, worded as Connect-ES words it", async () => {
  const servers = await startServers([[Greeter, impl]], [], { timeout: 60_000 });
  try {
    for (const [kind, transport] of Object.entries(transports(servers))) {
      const client = createClient(Greeter, transport);
      const error = await client.sayHello({ name: "hang" }, { timeoutMs: 50 }).then(
        () => undefined,
        (e) => ConnectError.from(e),
      );
      assert.equal(error?.code, Code.DeadlineExceeded, kind);
      assert.equal((await client.sayHello({ name: "e" })).message, "hi e", kind);
    }
  } finally {
    await servers.close();
  }
});

leakFree("expiries fire in order, cancelled ones never, and no timer outlives them", async () => {
  const queue = new ExpiryQueue(30);
  const fired: string[] = [];
  const done = Promise.withResolvers<void>();
  const a = queue.add(() => fired.push("a"));
  queue.add(() => fired.push("b"));
  const c = queue.add(() => fired.push("c"));
  queue.add(() => {
    fired.push("d");
    done.resolve();
  });
  a.cancel();
  c.cancel();
  c.cancel(); // idempotent
  assert.equal(queue.pending, 2);
  await done.promise;
  assert.deepEqual(fired, ["b", "d"]);
  assert.equal(queue.pending, 0);
});

leakFree("cancelling every expiry releases the timer at once", () => {
  const queue = new ExpiryQueue(60_000);
  const all = Array.from({ length: 2000 }, () => queue.add(() => assert.fail("fired")));
  // Out of order: done entries pile up behind a live head, then go with it.
  for (let i = all.length - 1; i >= 0; i -= 2) all[i].cancel();
  for (let i = 0; i < all.length; i += 2) all[i].cancel();
  assert.equal(queue.pending, 0);
  return Promise.resolve();
});

leakFree("an expiry that throws does not strand the ones after it", async () => {
  const queue = new ExpiryQueue(10);
  const reported = Promise.withResolvers<unknown>();
  const onError = (e: ErrorEvent) => {
    e.preventDefault();
    reported.resolve(e.error);
  };
  globalThis.addEventListener("error", onError);
  try {
    const after = Promise.withResolvers<void>();
    queue.add(() => {
      throw new Error("boom");
    });
    queue.add(() => after.resolve());
    await after.promise;
    assert.equal((await reported.promise as Error).message, "boom");
  } finally {
    globalThis.removeEventListener("error", onError);
  }
});

leakFree(
  "the timer is re-armed for an expiry that falls after the one it was armed for",
  async () => {
    const queue = new ExpiryQueue(40);
    const first = queue.add(() => assert.fail("cancelled"));
    await new Promise((r) => setTimeout(r, 25));
    const fired = Promise.withResolvers<number>();
    const added = Date.now();
    queue.add(() => fired.resolve(Date.now() - added));
    first.cancel();
    // Bounded: a queue that forgot to re-arm would otherwise never fire.
    const bound = Promise.withResolvers<never>();
    const timer = setTimeout(() => bound.reject(new Error("never fired")), 5_000);
    try {
      assert.ok((await Promise.race([fired.promise, bound.promise])) >= 39);
    } finally {
      clearTimeout(timer);
    }
  },
);

leakFree("a server keeps its deadline timer between calls and releases it at stop", async () => {
  const server = createHttpServer({ services: [[Greeter, impl]], timeout: 60_000 });
  for (let i = 0; i < 3; i++) {
    const res = await server.fetch(
      new Request("http://host/helloworld.v1.Greeter/SayHello", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"name":"x"}',
      }),
    );
    assert.deepEqual(await res.json(), { message: "hi x" });
  }
  await server.stop();
});
