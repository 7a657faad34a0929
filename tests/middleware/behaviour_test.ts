// The core middleware on real servers: recovery, logging, validate, timeout + deadline
// propagation, and typed errors on every protocol.
import assert from "node:assert/strict";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { create, fromBinary } from "@bufbuild/protobuf";
import type { Buffer } from "node:buffer";
import { deadline, logging, recovery, timeout } from "../../middleware/mod.ts";
import { validate } from "../../middleware/validate/mod.ts";
import { caller, createLogger, with as withKeyvals } from "../../log/mod.ts";
import { fromError, is, notFound } from "../../errors/mod.ts";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import {
  CreateUserRequestSchema,
  UserService,
} from "../fixtures/proto/validate/gen/fixture/validate/v1/user_pb.ts";
import { StatusSchema } from "../../internal/gen/google/rpc/status_pb.ts";
import {
  BadRequestSchema,
  ErrorInfoSchema,
} from "../../internal/gen/google/rpc/error_details_pb.ts";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { createRegistry } from "@bufbuild/protobuf";
import { grpc, grpcJsClient } from "../support/clients.ts";
import { startServers, transports } from "../support/servers.ts";
import { callRequest, streamResponse } from "../support/client.ts";

function captureLogger() {
  const lines: string[] = [];
  const logger = createLogger({ format: "logfmt", sink: (line: string) => void lines.push(line) });
  return { logger, lines };
}

Deno.test("recovery: an unexpected throw becomes a bare internal error; serving goes on", async () => {
  const { logger, lines } = captureLogger();
  let calls = 0;
  const impl = {
    sayHello() {
      if (++calls % 2 === 1) throw new Error("db password=hunter2 leaked");
      return { message: "fine" };
    },
    async *sayHelloStream() {
      yield { message: "first" };
      throw new TypeError("stream blew up with secret token");
    },
  };
  const servers = await startServers([[Greeter, impl]], [recovery({ logger })]);
  try {
    for (const [kind, transport] of Object.entries(transports(servers))) {
      const client = createClient(Greeter, transport);
      const err = await client.sayHello({ name: "x" }).then(() => undefined, (e) => e);
      assert.ok(err instanceof ConnectError, kind);
      assert.equal(err.code, Code.Internal, kind);
      assert.equal(err.rawMessage, "internal error", kind);
      assert.doesNotMatch(JSON.stringify(err), /hunter2|at sayHello/);
      assert.equal((await client.sayHello({ name: "x" })).message, "fine", kind);
      const got: string[] = [];
      const streamErr = await (async () => {
        for await (const r of client.sayHelloStream({ name: "x" })) got.push(r.message);
      })().then(() => undefined, (e) => e);
      assert.deepEqual(got, ["first"], kind);
      assert.equal(ConnectError.from(streamErr).code, Code.Internal, kind);
      assert.doesNotMatch(String(streamErr), /secret token/);
    }
    await logger.flush?.();
    const panics = lines.filter((l) => l.includes("panic recovered"));
    assert.equal(panics.length, 6);
    assert.match(panics[0], /hunter2/, "the log keeps the real error");
    assert.match(panics[0], /stack=/);
  } finally {
    await servers.close();
  }
});

Deno.test("logging: one line per call with kind, component, operation, code, reason, latency", async () => {
  const { logger: writer, lines } = captureLogger();
  // caller() names the code that logged; the middleware's own lines leave it out.
  const logger = withKeyvals(writer, "caller", caller());
  const impl = {
    sayHello(req: { name: string }) {
      if (req.name === "ann") logger.log("info", "msg", "handler line");
      if (req.name === "ghost") {
        throw notFound("USER_NOT_FOUND", "no such user").withMetadata({ name: "ghost" });
      }
      return { message: `hi ${req.name}` };
    },
    async *sayHelloStream() {
      yield { message: "a" };
      yield { message: "b" };
    },
  };
  const servers = await startServers([[Greeter, impl]], [logging.server(logger)]);
  try {
    const client = createClient(Greeter, transports(servers, [logging.client(logger)]).connect);
    await client.sayHello({ name: "ann" });
    await client.sayHello({ name: "ghost" }).catch(() => {});
    for await (const _ of client.sayHelloStream({ name: "s" })) { /* drain */ }
    await logger.flush?.();
    const server = lines.filter((l) => l.includes("kind=server"));
    const client_ = lines.filter((l) => l.includes("kind=client"));
    assert.equal(server.length, 3, lines.join("\n"));
    assert.equal(client_.length, 3, lines.join("\n"));
    assert.deepEqual(
      lines.filter((l) => l.includes("caller=")).map((l) => l.replace(/:\d+ /, ":N ")),
      ['level=INFO caller=middleware/behaviour_test.ts:N msg="handler line"'],
    );
    assert.match(
      server[0],
      /^level=INFO kind=server component=connect operation=\/helloworld\.v1\.Greeter\/SayHello args=helloworld\.v1\.HelloRequest code=0 reason="" latency=[\d.e-]+$/,
    );
    assert.match(server[1], /level=WARN .*code=404 reason=USER_NOT_FOUND .*error="no such user"/);
    assert.match(
      server[2],
      /operation=\/helloworld\.v1\.Greeter\/SayHelloStream args=stream code=0 .*messages=2/,
    );
    assert.doesNotMatch(lines.join("\n"), /ann/, "message contents are not logged by default");
  } finally {
    await servers.close();
  }
});

Deno.test("logging: a stream its reader lets go of is logged once, as canceled, with its count", async () => {
  const { logger, lines } = captureLogger();
  const req = callRequest("list");
  const res = await logging.server(logger)((r) =>
    Promise.resolve(streamResponse(r, ["a", "b", "c"]))
  )(req);
  assert.ok(res.stream);
  for await (const _ of res.message) break;
  await logger.flush?.();
  assert.equal(lines.length, 1, lines.join("\n"));
  assert.match(lines[0], /^level=WARN .*args=stream code=499 .*messages=1 /);
});

Deno.test("validate: violations reach Connect-ES and @grpc/grpc-js clients as field details", async () => {
  let created = 0;
  const impl = {
    createUser() {
      created++;
      return { created: 1 };
    },
    async importUsers(reqs: AsyncIterable<unknown>) {
      let n = 0;
      for await (const _ of reqs) n++;
      return { created: n };
    },
  };
  const servers = await startServers([[UserService, impl]], [validate()]);
  try {
    for (const [kind, transport] of Object.entries(transports(servers))) {
      const client = createClient(UserService, transport);
      const err = await client.createUser({ name: "x", email: "nope" }).then(
        () => undefined,
        (e) => e,
      );
      assert.ok(err instanceof ConnectError, kind);
      assert.equal(err.code, Code.InvalidArgument);
      const [bad] = err.findDetails(BadRequestSchema);
      assert.deepEqual(
        bad.fieldViolations.map((v) => [v.field, v.reason]),
        [["name", "string.min_len"], ["email", "string.pattern"]],
        kind,
      );
      assert.equal(err.findDetails(ErrorInfoSchema)[0].reason, "VALIDATOR");
      assert.equal((await client.createUser({ name: "ok", email: "a@b" })).created, 1);
    }
    assert.equal(created, 3, "invalid requests never reach the handler");
    const streamErr = await createClient(UserService, transports(servers).grpc).importUsers(
      (async function* () {
        yield create(CreateUserRequestSchema, { name: "good", email: "a@b" });
        yield create(CreateUserRequestSchema, { name: "", email: "a@b" });
      })(),
    ).then(() => undefined, (e) => e);
    assert.equal(ConnectError.from(streamErr).code, Code.InvalidArgument, "stream messages too");

    const raw = grpcJsClient(UserService, servers.grpcAddress);
    try {
      const e = await raw.unary("createUser", { name: "toolongname!", email: "a@b" }).then(
        () => undefined,
        (e) => e as grpc.ServiceError,
      );
      assert.equal(e?.code, grpc.status.INVALID_ARGUMENT);
      const bin = e!.metadata.get("grpc-status-details-bin")[0] as Buffer;
      const status = fromBinary(StatusSchema, new Uint8Array(bin));
      const registry = createRegistry(BadRequestSchema, ErrorInfoSchema);
      const details = status.details.map((d) => anyUnpack(d, registry)).filter((d) => d);
      const badRequest = details.find((d) => d!.$typeName === "google.rpc.BadRequest") as
        | { fieldViolations: { field: string; description: string }[] }
        | undefined;
      assert.equal(badRequest?.fieldViolations[0].field, "name");
      assert.match(badRequest!.fieldViolations[0].description, /at most 10/);
    } finally {
      raw.close();
    }
  } finally {
    await servers.close();
  }
});

Deno.test("timeout: per-operation deadlines fail with DeadlineExceeded and propagate downstream", async () => {
  let downstreamTimeout: string | null = null;
  const downstream = await startServers([[Greeter, {
    sayHello(_: unknown, ctx: { requestHeader: Headers }) {
      downstreamTimeout = ctx.requestHeader.get("grpc-timeout");
      return { message: "down" };
    },
  }]]);
  const impl = {
    async sayHello(req: { name: string }, ctx: { signal: AbortSignal }) {
      if (req.name === "slow") {
        await new Promise((_, reject) =>
          ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason))
        );
      }
      const client = createClient(Greeter, transports(downstream, [deadline()]).grpc);
      return { message: (await client.sayHello({ name: "x" })).message };
    },
  };
  const policy = { operations: { "/helloworld.v1.Greeter/SayHello": 300 } };
  const servers = await startServers([[Greeter, impl]], [timeout(policy)], { timeoutMs: 0 });
  try {
    for (const [kind, transport] of Object.entries(transports(servers))) {
      const client = createClient(Greeter, transport);
      const err = await client.sayHello({ name: "slow" }).then(() => undefined, (e) => e);
      assert.equal(ConnectError.from(err).code, Code.DeadlineExceeded, kind);
      assert.equal((await client.sayHello({ name: "fast" })).message, "down", kind);
      const sent = downstreamTimeout as string | null;
      assert.match(sent ?? "", /^\d+m$/, "the downstream call carries a grpc-timeout");
      assert.ok(Number(sent!.slice(0, -1)) <= 300, `remaining budget, got ${sent}`);
    }
  } finally {
    await servers.close();
    await downstream.close();
  }
});

Deno.test("errors: reason and metadata survive every protocol and a plain grpc-js client", async () => {
  const impl = {
    sayHello() {
      throw notFound("USER_NOT_FOUND", "user 7 not found").withMetadata({ id: "7" });
    },
    async *sayHelloStream() {
      yield { message: "one" };
      throw notFound("USER_NOT_FOUND", "gone mid-stream");
    },
  };
  const servers = await startServers([[Greeter, impl]]);
  try {
    for (const [kind, transport] of Object.entries(transports(servers))) {
      const client = createClient(Greeter, transport);
      const err = await client.sayHello({ name: "x" }).then(() => undefined, (e) => e);
      const e = fromError(err);
      assert.equal(e.code, 404, kind);
      assert.equal(e.reason, "USER_NOT_FOUND", kind);
      assert.equal(e.message, "user 7 not found", kind);
      assert.deepEqual(e.metadata, { id: "7" }, kind);
      assert.ok(is(err, notFound("USER_NOT_FOUND", "")), kind);
      const streamErr = await (async () => {
        for await (const _ of client.sayHelloStream({ name: "x" })) { /* drain */ }
      })().then(() => undefined, (e) => e);
      assert.equal(fromError(streamErr).reason, "USER_NOT_FOUND", `${kind} stream`);
    }
    const raw = grpcJsClient(Greeter, servers.grpcAddress);
    try {
      const e = await raw.unary("sayHello", { name: "x" }).then(
        () => undefined,
        (e) => e as grpc.ServiceError,
      );
      assert.equal(e?.code, grpc.status.NOT_FOUND);
      const status = fromBinary(
        StatusSchema,
        new Uint8Array(e!.metadata.get("grpc-status-details-bin")[0] as Buffer),
      );
      const info = anyUnpack(status.details[0], ErrorInfoSchema);
      assert.equal(info?.reason, "USER_NOT_FOUND");
      assert.deepEqual(info?.metadata, { id: "7" });
    } finally {
      raw.close();
    }
  } finally {
    await servers.close();
  }
});
