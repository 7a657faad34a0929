// createClient over each protocol against real servers on 127.0.0.1: URL and direct:///
// endpoints, every streaming kind the protocol can carry, errors, deadlines, middleware.
import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";
import { fromError } from "../../errors/mod.ts";
import { createLogger } from "../../log/mod.ts";
import { logging } from "../../middleware/mod.ts";
import * as metadata from "../../metadata/mod.ts";
import { type Middleware, remainingMs, requestTimeoutMs } from "../../transport/mod.ts";
import { type ClientProtocol, createClient, pickedNodeKey } from "../../transport/client/mod.ts";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { GreeterService } from "../../examples/helloworld/internal/service/greeter.ts";
import { startServers } from "../support/servers.ts";
import { Echo } from "./proto/gen/fixture/client/v1/echo_pb.ts";
import { type EchoServer, startEcho } from "../support/client.ts";

const all: ClientProtocol[] = ["connect", "grpc-web", "grpc"];

function endpointOf(server: EchoServer, protocol: ClientProtocol): string {
  return protocol === "grpc" ? server.grpc : server.http;
}

function addressOf(server: EchoServer, protocol: ClientProtocol): string {
  return new URL(endpointOf(server, protocol)).host;
}

for (const protocol of all) {
  Deno.test(`${protocol}: URL endpoint, unary and server stream, typed replies`, async () => {
    const a = await startEcho("a");
    const client = createClient(Echo, { endpoint: endpointOf(a, protocol), protocol });
    try {
      const reply = await client.get({
        text: "hi",
        nested: { value: "n" },
        items: [{ value: "i" }],
        byName: { k: { value: "v" } },
        choice: { case: "picked", value: { value: "p" } },
        big: 7n,
      });
      assert.equal(reply.text, "hi");
      assert.equal(reply.server, "a");
      assert.equal(reply.$typeName, "fixture.client.v1.EchoReply");
      const got: string[] = [];
      for await (const r of client.list({ text: "s", count: 3 })) got.push(r.text);
      assert.deepEqual(got, ["s 1", "s 2", "s 3"]);
    } finally {
      await client.close();
      await a.stop();
    }
  });

  Deno.test(`${protocol}: direct:/// balances over both addresses`, async () => {
    const [a, b] = [await startEcho("a"), await startEcho("b")];
    const client = createClient(Echo, {
      endpoint: `direct:///${addressOf(a, protocol)},${addressOf(b, protocol)}`,
      protocol,
    });
    try {
      for (let i = 0; i < 10; i++) await client.get({ text: String(i) });
      // wrr with equal weights alternates.
      assert.equal(a.calls.get("get"), 5);
      assert.equal(b.calls.get("get"), 5);
    } finally {
      await client.close();
      await a.stop();
      await b.stop();
    }
  });

  Deno.test(`${protocol}: Kratos errors surface as ConnectErrors with reason`, async () => {
    const servers = await startServers([[Greeter, new GreeterService()]]);
    const endpoint = protocol === "grpc" ? servers.grpc.replace(/^http/, "grpc") : servers.http;
    const client = createClient(Greeter, { endpoint, protocol });
    try {
      const err = await client.sayHello({ name: "nobody" }).then(() => undefined, (e) => e);
      assert.ok(err instanceof ConnectError);
      assert.equal(err.code, Code.NotFound);
      const e = fromError(err);
      assert.equal(e.code, 404);
      assert.equal(e.reason, "USER_NOT_FOUND");
      assert.deepEqual({ ...e.metadata }, { name: "nobody" });
    } finally {
      await client.close();
      await servers.close();
    }
  });

  Deno.test(`${protocol}: timeout bounds a call and travels as the wire deadline`, async () => {
    const seen: (number | undefined)[] = [];
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const a = await startEcho("a", {
      middleware: [(next) => (req) => {
        seen.push(requestTimeoutMs(req.header));
        return next(req);
      }],
      delay: (method, signal) =>
        method === "post"
          ? Promise.race([
            hold,
            new Promise<void>((r) => signal.addEventListener("abort", () => r())),
          ])
          : Promise.resolve(),
    });
    const client = createClient(Echo, {
      endpoint: endpointOf(a, protocol),
      protocol,
      timeoutMs: 300,
    });
    try {
      await client.get({ text: "fast" });
      assert.ok(seen[0] !== undefined && seen[0] <= 300 && seen[0] > 0, `sent ${seen[0]}`);
      const err = await client.post({ text: "slow" }).then(() => undefined, (e) => e);
      assert.equal(ConnectError.from(err).code, Code.DeadlineExceeded);
      // A per-call timeoutMs wins over the client default.
      await client.get({ text: "x" }, { timeoutMs: 5_000 });
      assert.ok(seen[2]! > 300, `per-call deadline sent as ${seen[2]}`);
      // timeoutMs <= 0 sends none.
      await client.get({ text: "x" }, { timeoutMs: 0 });
      assert.equal(seen[3], undefined, JSON.stringify(seen));
    } finally {
      release();
      await client.close();
      await a.stop();
    }
  });

  Deno.test(`${protocol}: middleware sees the protocol, the node and the deadline`, async () => {
    const a = await startEcho("a");
    const lines: string[] = [];
    const logger = createLogger({
      format: "logfmt",
      sink: (line: string) => void lines.push(line),
    });
    const observed: { node?: string; left?: number; contentType?: string }[] = [];
    const observe: Middleware = (next) => async (req) => {
      const res = await next(req);
      observed.push({
        node: req.contextValues.get(pickedNodeKey)?.address,
        left: remainingMs(),
        contentType: req.header.get("content-type") ?? undefined,
      });
      return res;
    };
    const client = createClient(Echo, {
      endpoint: endpointOf(a, protocol),
      protocol,
      timeoutMs: 10_000,
      middleware: [
        metadata.client({ constants: { "x-md-global-k": "v" } }),
        logging.client(logger),
        observe,
      ],
    });
    try {
      await client.get({ text: "x" });
      assert.equal(observed.length, 1);
      assert.equal(observed[0].node, addressOf(a, protocol));
      assert.ok(observed[0].left! > 0 && observed[0].left! <= 10_000);
      const kind = protocol === "grpc"
        ? "application/grpc"
        : protocol === "grpc-web"
        ? "application/grpc-web"
        : "application/proto";
      assert.ok(observed[0].contentType?.startsWith(kind), String(observed[0].contentType));
      assert.equal(lines.length, 1);
      assert.match(
        lines[0],
        new RegExp(`component=${protocol} operation=/fixture.client.v1.Echo/Get`),
      );
    } finally {
      await client.close();
      await a.stop();
    }
  });

  Deno.test(`${protocol}: close() stops calls with Canceled`, async () => {
    const a = await startEcho("a");
    const client = createClient(Echo, { endpoint: endpointOf(a, protocol), protocol });
    try {
      await client.get({ text: "x" });
      await client.close();
      await client.close(); // idempotent
      const err = await client.get({ text: "x" }).then(() => undefined, (e) => e);
      assert.equal(ConnectError.from(err).code, Code.Canceled);
    } finally {
      await a.stop();
    }
  });
}

Deno.test("a refused connection is Unavailable on every protocol", async () => {
  const a = await startEcho("a");
  const endpoints = { http: a.http, grpc: a.grpc };
  await a.stop();
  for (const protocol of all) {
    const client = createClient(Echo, {
      endpoint: protocol === "grpc" ? endpoints.grpc : endpoints.http,
      protocol,
    });
    try {
      const err = await client.get({ text: "x" }).then(() => undefined, (e) => e);
      assert.equal(ConnectError.from(err).code, Code.Unavailable, `${protocol}: ${err}`);
    } finally {
      await client.close();
    }
  }
});

Deno.test("deadline of the call being served caps a downstream call", async () => {
  const sent: (number | undefined)[] = [];
  const downstream = await startEcho("down", {
    middleware: [(next) => (req) => {
      sent.push(requestTimeoutMs(req.header));
      return next(req);
    }],
  });
  const down = createClient(Echo, { endpoint: downstream.http, timeoutMs: 60_000 });
  // The upstream handler calls downstream while serving a call with a 500 ms deadline.
  const upstream = await startServers([[Greeter, {
    async sayHello(req: { name: string }) {
      const r = await down.get({ text: req.name });
      return { message: `${r.server}:${r.text}` };
    },
    async *sayHelloStream() {},
  }]]);
  const up = createClient(Greeter, { endpoint: upstream.http, timeoutMs: 500 });
  try {
    assert.equal((await up.sayHello({ name: "n" })).message, "down:n");
    assert.ok(sent[0] !== undefined && sent[0] <= 500, `downstream deadline ${sent[0]}`);
  } finally {
    await up.close();
    await down.close();
    await upstream.close();
    await downstream.stop();
  }
});

Deno.test("a redirect is an error, never followed (fetch protocols)", async () => {
  let followed = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    if (new URL(req.url).pathname.startsWith("/elsewhere")) followed++;
    return new Response(null, { status: 302, headers: { location: "/elsewhere" } });
  });
  try {
    for (const protocol of ["connect", "grpc-web"] as const) {
      const client = createClient(Echo, {
        endpoint: `http://127.0.0.1:${server.addr.port}`,
        protocol,
      });
      try {
        const err = await client.get({ text: "x" }).then(() => undefined, (e) => e);
        assert.ok(err instanceof ConnectError, String(err));
        assert.equal(err.code, Code.Unknown, protocol);
        assert.match(err.rawMessage, /answered with a redirect \(302 to \/elsewhere\)/);
      } finally {
        await client.close();
      }
    }
    assert.equal(followed, 0);
  } finally {
    await server.shutdown();
  }
});
