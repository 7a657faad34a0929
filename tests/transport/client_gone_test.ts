// A call's signal on the HTTP server aborts when its client lets go of a response stream, told
// by the runtime cancelling the response body — on Deno without reading request.signal, which
// Deno.serve also aborts after every successful response (its legacy behaviour, warned about
// when the signal is read); and helloworld serving streams prints no such warning.
import assert from "node:assert/strict";
import { createClient, type HandlerContext } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { createHttpServer } from "../../transport/mod.ts";
import { runtimeCommand, startHelloworld } from "../support/helloworld.ts";
import { run } from "../support/process.ts";
import { root } from "../support/tools.ts";

function bounded<T>(promise: Promise<T>, what: string, ms = 10_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

Deno.test("a stream's signal aborts when its client leaves", async () => {
  const aborted = Promise.withResolvers<unknown>();
  const server = createHttpServer({
    address: "127.0.0.1:0",
    services: [[Greeter, {
      sayHello: () => ({ message: "hi" }),
      async *sayHelloStream(req: { count: number }, ctx: HandlerContext) {
        if (req.count === 0) {
          ctx.signal.addEventListener("abort", () => aborted.resolve(ctx.signal.reason));
        }
        for (let i = 0; i < req.count; i++) yield { message: `n${i}` };
        // An endless stream (count 0) ticks until its client goes: the server learns of it at
        // the next write, when the runtime cancels the response body.
        for (let i = 0; req.count === 0 && !ctx.signal.aborted && i < 500; i++) {
          yield { message: "tick" };
          await new Promise((r) => setTimeout(r, 20));
        }
      },
    }]],
  });
  await server.start();
  try {
    const client = createClient(
      Greeter,
      createConnectTransport({ baseUrl: server.endpoint().href }),
    );
    const got: string[] = [];
    for await (const r of client.sayHelloStream({ name: "a", count: 3 })) got.push(r.message);
    assert.deepEqual(got, ["n0", "n1", "n2"]);

    const leave = new AbortController();
    const stream = client.sayHelloStream({ name: "b", count: 0 }, { signal: leave.signal });
    const it = stream[Symbol.asyncIterator]();
    assert.equal((await bounded(it.next(), "the first tick")).value?.message, "tick");
    leave.abort();
    const reason = await bounded(aborted.promise, "the handler's signal to abort");
    // From the body's cancellation (Deno.serve's request.signal would say "cancelled").
    assert.match(String(reason), /the client went away/);
  } finally {
    await server.stop();
  }
});

Deno.test("helloworld on Deno serves streams without Deno's legacy-abort warning", async () => {
  const hw = await startHelloworld("deno");
  try {
    const client = createClient(Greeter, createConnectTransport({ baseUrl: hw.http }));
    const got: string[] = [];
    for await (const r of client.sayHelloStream({ name: "w", count: 2 })) got.push(r.message);
    assert.equal(got.length, 2);
    assert.equal((await client.sayHello({ name: "w" })).message, "Hello w");
    hw.child.kill("SIGTERM");
    await hw.child.exited();
    assert.doesNotMatch(hw.child.output, /legacy|request\.signal/, hw.child.output);
  } finally {
    await hw.child.close();
  }
});

// A unary call on the fast path whose client leaves while the handler runs: the handler's
// signal aborts, on the HTTP server (Connect, gRPC-Web) and the gRPC server (Connect, gRPC-Web,
// gRPC), on each runtime's listeners. Before, only Connect-ES's handler told it.
for (const runtime of ["deno", "node", "bun"] as const) {
  Deno.test(`a unary call's signal aborts when its client leaves, on ${runtime}`, async () => {
    const [cmd, args] = runtimeCommand(runtime, `${root}tests/transport/client_gone_script.ts`);
    const out = await run(cmd, args, { cwd: root, timeoutMs: 60_000 });
    const lines = out.stdout.split("\n").filter((l) => /^(ok|fail) /.test(l));
    assert.deepEqual(
      lines.map((l) => l.replace(/ \[canceled\] the client went away$/, "")),
      [
        "ok http connect",
        "ok http grpc-web",
        "ok grpc-server connect",
        "ok grpc-server grpc-web",
        "ok grpc-server grpc",
      ],
      `${out.stdout}\n${out.stderr}`,
    );
  });
}
