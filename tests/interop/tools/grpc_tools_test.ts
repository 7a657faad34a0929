// Scenario 6: third-party gRPC tools, built from the Go module proxy by tools/setup.sh, against
// an Atreus app. grpcurl lists and calls its services through server reflection with no proto
// files, on grpc.reflection.v1 and on v1alpha (grpcurl tries v1 and falls back to v1alpha when
// a server answers Unimplemented; a server middleware playing such an older server, and counting
// which version answered, makes each version provably exercised). grpc-health-probe sees
// SERVING, NOT_SERVING once the app starts stopping, and a refused connection once the servers
// drain (as with grpc-go's GracefulStop), while an in-flight call holds the drain open.
import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";
import { App } from "../../../mod.ts";
import { operation } from "../../../middleware/mod.ts";
import { createGrpcServer, type Middleware } from "../../../transport/mod.ts";
import { run } from "../../support/process.ts";
import { eventually, within } from "../../registry/wait.ts";
import { root } from "../../support/tools.ts";
import { Greeter, type HelloRequest } from "../kratos/gen/interop/v1/greeter_pb.ts";

const GRPCURL = `${root}tools/go/bin/grpcurl`;
const PROBE = `${root}tools/go/bin/grpc-health-probe`;
const V1 = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo";
const V1ALPHA = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";

/** An Atreus app serving interop.v1.Greeter over gRPC; `refuse` answers those operations Unimplemented. */
async function startApp(options: {
  refuse?: readonly string[];
  beforeStop?: () => Promise<void>;
  sayHello?: () => Promise<void>;
} = {}) {
  const seen = new Map<string, number>();
  const observe: Middleware = (next) => (req) => {
    const op = operation(req);
    seen.set(op, (seen.get(op) ?? 0) + 1);
    if (options.refuse?.includes(op)) {
      throw new ConnectError(`${op} is not served here`, Code.Unimplemented);
    }
    return next(req);
  };
  const server = createGrpcServer({
    address: "127.0.0.1:0",
    middleware: [observe],
    services: [[Greeter, {
      async sayHello(req: HelloRequest) {
        await options.sayHello?.();
        return { message: `Hello ${req.name}`, server: "atreus" };
      },
      fail: () => ({}),
      relay: () => ({ hops: [] }),
    }]],
  });
  let started: () => void;
  const ready = new Promise<void>((r) => started = r);
  const app = new App({
    name: "tools",
    servers: [server],
    signals: false,
    afterStart: () => started(),
    beforeStop: options.beforeStop,
  });
  const running = app.run();
  await Promise.race([ready, running]);
  const address = server.endpoint().host;
  return { app, running, address, seen: (op: string) => seen.get(op) ?? 0 };
}

/** Runs a tool from tools/go/bin; a missing one fails the test naming the fix. */
async function tool(binary: string, args: string[]) {
  try {
    await Deno.stat(binary);
  } catch {
    throw new Error(`${binary} is missing: run sh tools/setup.sh`);
  }
  return await run(binary, args, { timeoutMs: 20_000 });
}

async function grpcurl(...args: string[]) {
  const out = await tool(GRPCURL, ["-plaintext", ...args]);
  assert.equal(out.code, 0, `grpcurl ${args.join(" ")}: ${out.stderr}`);
  return out.stdout;
}

for (const version of ["v1", "v1alpha"] as const) {
  Deno.test(`grpcurl lists, describes and calls through reflection ${version}, no proto files`, async () => {
    const { app, running, address, seen } = await startApp({
      refuse: version === "v1alpha" ? [V1] : [],
    });
    try {
      const services = (await grpcurl(address, "list")).trim().split("\n").sort();
      assert.deepEqual(services, [
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
        "interop.v1.Greeter",
      ]);
      const methods = (await grpcurl(address, "list", "interop.v1.Greeter")).trim().split("\n")
        .sort();
      assert.deepEqual(methods, [
        "interop.v1.Greeter.Fail",
        "interop.v1.Greeter.Relay",
        "interop.v1.Greeter.SayHello",
      ]);
      const described = await grpcurl(address, "describe", "interop.v1.HelloRequest");
      assert.match(described, /message HelloRequest \{\s+string name = 1;\s+\}/);
      const reply = await grpcurl(
        "-d",
        '{"name":"grpcurl"}',
        address,
        "interop.v1.Greeter/SayHello",
      );
      assert.deepEqual(JSON.parse(reply), { message: "Hello grpcurl", server: "atreus" });
      const health = await grpcurl(address, "grpc.health.v1.Health/Check");
      assert.deepEqual(JSON.parse(health), { status: "SERVING" });
      console.log(`reflection streams: v1 ${seen(V1)}, v1alpha ${seen(V1ALPHA)}`);
      // One reflection stream per grpcurl run (5 runs).
      if (version === "v1") {
        assert.equal(seen(V1), 5);
        assert.equal(seen(V1ALPHA), 0, "v1 served everything, v1alpha was not needed");
      } else {
        // Each run asks v1, is refused, and does the whole session on v1alpha.
        assert.equal(seen(V1), 5);
        assert.equal(seen(V1ALPHA), 5);
      }
    } finally {
      await app.stop();
      await running;
    }
  });
}

/** grpc-health-probe's exit code and output (0 SERVING, 2 connection failed, 4 NOT_SERVING). */
async function probe(address: string) {
  const out = await tool(PROBE, ["-addr", address, "-connect-timeout", "2s", "-rpc-timeout", "2s"]);
  return { code: out.code, text: (out.stdout + out.stderr).trim() };
}

Deno.test("grpc-health-probe: SERVING, NOT_SERVING once stopping, refused once draining", async () => {
  let holdStop: () => void = () => {};
  let stopping: () => void = () => {};
  const stopBegan = new Promise<void>((r) => stopping = r);
  let release: () => void = () => {};
  const callHeld = new Promise<void>((r) => release = r);
  let entered: () => void = () => {};
  const callIn = new Promise<void>((r) => entered = r);
  const { app, running, address } = await startApp({
    // Holds the first phase of stopping open until the probe has looked.
    beforeStop: () =>
      new Promise<void>((r) => {
        holdStop = r;
        stopping();
      }),
    // Holds the drain open: the app cannot finish stopping while this call runs.
    async sayHello() {
      entered();
      await callHeld;
    },
  });
  try {
    const serving = await probe(address);
    assert.deepEqual(serving, { code: 0, text: "status: SERVING" });
    const call = grpcurl("-d", '{"name":"held"}', address, "interop.v1.Greeter/SayHello");
    await within(callIn, 5_000, "the held call reached the handler");
    let done = false;
    const stopped = app.stop().then(() => void (done = true));
    await within(stopBegan, 5_000, "beforeStop ran");
    const notServing = await probe(address);
    assert.deepEqual(notServing, {
      code: 4,
      text: 'service unhealthy (responded with "NOT_SERVING")',
    });
    holdStop();
    // The gRPC server now drains: it refuses new connections and waits for the held call.
    await eventually(
      async () => (await probe(address)).code === 2,
      5_000,
      "the draining server refuses new connections",
    );
    assert.equal(done, false, "the held call keeps the app draining");
    release();
    assert.equal(JSON.parse(await call).message, "Hello held");
    await within(stopped, 10_000, "the app stopped once the call ended");
  } finally {
    holdStop();
    release();
    await app.stop();
    await running;
  }
});
