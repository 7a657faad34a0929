// DeferredHeaders (the gRPC server's request, reply and trailer headers on Node, filled on first
// use) against the eager copy it replaces (fetchHeaders / new TrackedHeaders(init)) as the
// oracle: the same answers to every read, before and after writes, and the same `written`. The
// copies a runtime makes of it (Headers, Request, Response) are checked on Node, where it is used.
import assert from "node:assert/strict";
import fc from "fast-check";
import { deferHeaders, DeferredHeaders, TrackedHeaders } from "../../transport/fastpath/headers.ts";
import { fetchHeaders } from "../../transport/grpc/headers.ts";
import { NODE, root } from "../support/tools.ts";

/** Runs `script` as an ES module on Node (bounded), and returns its stdout once it exits 0. */
async function onNode(script: string): Promise<string> {
  const out = await new Deno.Command(NODE, {
    args: ["--experimental-transform-types", "--no-warnings", "--input-type=module", "-e", script],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}

const NAMES = ["content-type", "te", "grpc-timeout", "x-md-a", "x-md-b", "set-cookie", "cookie"];
const name = fc.constantFrom(...NAMES);
const value = fc.oneof(
  fc.constantFrom("", "a", " a", "a ", "\ta", "a, b", "application/grpc", "1m"),
  fc.stringMatching(/^[ -~]{0,6}$/),
);
const source = fc.dictionary(
  fc.oneof(name, fc.constantFrom(":path", ":method", ":authority")),
  fc.oneof(value, fc.array(value, { minLength: 1, maxLength: 3 })),
);
// Names read: present or not, other cases, a pseudo-header and names Fetch refuses.
const queried = fc.oneof(
  name,
  fc.constantFrom("Content-Type", "X-MD-A", "absent", ":path", "bad name", "", "é"),
);

type Op =
  | { op: "get" | "has"; name: string }
  | { op: "set" | "append"; name: string; value: string }
  | { op: "delete"; name: string }
  | { op: "entries" | "forEach" | "getSetCookie" | "keys" | "values" };
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom("get" as const, "has" as const), name: queried }),
  fc.record({ op: fc.constantFrom("set" as const, "append" as const), name, value }),
  fc.record({ op: fc.constant("delete" as const), name }),
  fc.record({
    op: fc.constantFrom(
      "entries" as const,
      "forEach" as const,
      "getSetCookie" as const,
      "keys" as const,
      "values" as const,
    ),
  }),
);

function apply(h: Headers, o: Op): unknown {
  try {
    switch (o.op) {
      case "get":
        return h.get(o.name);
      case "has":
        return h.has(o.name);
      case "set":
        return h.set(o.name, o.value);
      case "append":
        return h.append(o.name, o.value);
      case "delete":
        return h.delete(o.name);
      case "entries":
        return [...h];
      case "forEach": {
        const seen: string[][] = [];
        h.forEach((v, k) => seen.push([k, v]));
        return seen;
      }
      case "getSetCookie":
        return h.getSetCookie();
      case "keys":
        return [...h.keys()];
      case "values":
        return [...h.values()];
    }
  } catch (error) {
    return { threw: (error as Error).name };
  }
}

Deno.test("DeferredHeaders answers as the eager copy of node:http2's headers", () => {
  fc.assert(
    fc.property(source, fc.array(op, { maxLength: 8 }), (src, ops) => {
      const deferred = new DeferredHeaders(src);
      const eager = fetchHeaders(src);
      for (const o of ops) assert.deepEqual(apply(deferred, o), apply(eager, o), JSON.stringify(o));
      assert.deepEqual([...deferred], [...eager]);
    }),
    { numRuns: 3_000 },
  );
});

Deno.test("DeferredHeaders counts writes as TrackedHeaders does, not its own copy", () => {
  fc.assert(
    fc.property(
      fc.dictionary(name, fc.constantFrom("0", "application/grpc")),
      fc.array(op, { maxLength: 6 }),
      (init, ops) => {
        const deferred = new DeferredHeaders(init);
        const eager = new TrackedHeaders(init);
        for (const o of ops) apply(deferred, o), apply(eager, o);
        assert.equal(deferred.written, eager.written);
        assert.deepEqual([...deferred], [...eager]);
      },
    ),
    { numRuns: 1_000 },
  );
});

Deno.test("deferred headers are used on Node only", () => {
  assert.equal(deferHeaders, false); // this test runs on Deno, whose Response copies the list
});

Deno.test("on Node, Headers, Request and Response copy DeferredHeaders before its first use", async () => {
  const script = `
    import { DeferredHeaders, deferHeaders } from ${
    JSON.stringify(`${root}transport/fastpath/headers.ts`)
  };
    const src = { ":path": "/x", "x-a": ["1", "2"], "content-type": "application/grpc" };
    const seen = (h) => JSON.stringify([...h]);
    console.log(JSON.stringify({
      defer: deferHeaders,
      headers: seen(new Headers(new DeferredHeaders(src))),
      request: seen(new Request("http://x/", { headers: new DeferredHeaders(src) }).headers),
      response: seen(new Response(null, { headers: new DeferredHeaders(src) }).headers),
    }));
  `;
  const stdout = await onNode(script);
  const want = JSON.stringify([["content-type", "application/grpc"], ["x-a", "1, 2"]]);
  assert.deepEqual(JSON.parse(stdout), {
    defer: true,
    headers: want,
    request: want,
    response: want,
  });
});

Deno.test("on Node, a gRPC call's handler reads and writes its deferred headers", async () => {
  // A handler that reads a repeated request header, writes a reply header and a trailer, and
  // one that fails: what a client sees is what the eager Headers gave.
  const script = `
    import { createGrpcServer } from ${JSON.stringify(`${root}transport/mod.ts`)};
    import { createClient } from ${JSON.stringify(`${root}transport/client/mod.ts`)};
    import { Greeter } from ${
    JSON.stringify(`${root}examples/helloworld/gen/helloworld/v1/greeter_pb.ts`)
  };
    const server = createGrpcServer({ address: "127.0.0.1:0", services: [[Greeter, {
      sayHello(req, ctx) {
        if (req.name === "fail") throw new Error("boom");
        ctx.responseHeader.set("x-seen", ctx.requestHeader.get("x-md-a") ?? "none");
        ctx.responseTrailer.set("x-trail", ctx.requestHeader.has("te") ? "te" : "no te");
        return { message: "hi " + ctx.requestHeader.get("content-type") };
      },
    }]] });
    await server.start();
    const client = createClient(Greeter, { endpoint: server.endpoint().href, protocol: "grpc" });
    let header, trailer;
    const res = await client.sayHello({ name: "x" }, {
      headers: [["x-md-a", "1"], ["x-md-a", "2"]],
      onHeader: (h) => header = h.get("x-seen"),
      onTrailer: (t) => trailer = [t.get("x-trail"), t.get("grpc-status")],
    });
    const failed = await client.sayHello({ name: "fail" }).then(() => "answered", (e) => e.code);
    console.log(JSON.stringify({ message: res.message, header, trailer, failed }));
    await client.close();
    await server.stop();
    process.exit(0);
  `;
  const stdout = await onNode(script);
  // The server logs to stdout too; the result is the one JSON line.
  const result = stdout.split("\n").find((l) => l.startsWith("{"));
  assert.deepEqual(JSON.parse(result ?? "null"), {
    message: "hi application/grpc+proto",
    header: "1, 2",
    trailer: ["te", "0"],
    failed: 13,
  });
});
