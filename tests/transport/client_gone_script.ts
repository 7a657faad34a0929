// Run by client_gone_test.ts on Deno, Bun and Node:
//
//   <runtime> client_gone_script.ts
//
// A unary call on the fast path whose client goes away while the handler runs, on every server
// and protocol: the HTTP server (Connect, gRPC-Web; the client's HTTP/1.1 connection closes) and
// the gRPC server (Connect, gRPC-Web, gRPC; the client resets its stream). The handler waits for
// its signal to abort. Prints one `ok <path> <reason>` or `fail <path> <why>` line per path; every
// wait is bounded.
import * as http from "node:http";
import * as http2 from "node:http2";
import { Buffer } from "node:buffer";
import process from "node:process";
import { create, toBinary } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import {
  Greeter,
  HelloRequestSchema,
} from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { createGrpcServer, createHttpServer } from "../../transport/mod.ts";

const BOUND_MS = 5_000;
const PATH = "/helloworld.v1.Greeter/SayHello";

function bounded<T>(what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${BOUND_MS} ms`)), BOUND_MS);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

// The call in progress: the handler says it started, and what its signal aborted with.
let started = Promise.withResolvers<void>();
let aborted = Promise.withResolvers<unknown>();
const services = [[Greeter, {
  sayHello: async (req: { name: string }, ctx: HandlerContext) => {
    if (req.name !== "hang") return { message: `Hello ${req.name}` };
    const signal = ctx.signal;
    signal.addEventListener("abort", () => aborted.resolve(signal.reason), { once: true });
    started.resolve();
    await bounded("the handler's signal", aborted.promise).catch(() => {});
    return { message: "too late" };
  },
}]] as const;

const enveloped = (() => {
  const bytes = toBinary(HelloRequestSchema, create(HelloRequestSchema, { name: "hang" }));
  const out = Buffer.alloc(5 + bytes.byteLength);
  out.writeUInt32BE(bytes.byteLength, 1);
  out.set(bytes, 5);
  return out;
})();
const bodies: Record<string, [string, Uint8Array]> = {
  connect: ["application/json", Buffer.from(JSON.stringify({ name: "hang" }))],
  "grpc-web": ["application/grpc-web+proto", enveloped],
  grpc: ["application/grpc", enveloped],
};

// Over HTTP/1.1: the client closes its connection once the handler runs.
function viaHttp1(origin: string, protocol: string): Promise<void> {
  const [type, body] = bodies[protocol];
  const req = http.request(`${origin}${PATH}`, {
    method: "POST",
    headers: { "content-type": type, "content-length": String(body.byteLength) },
  });
  req.on("error", () => {});
  req.end(body);
  return started.promise.then(() => void req.destroy());
}

// Over HTTP/2: the client resets its stream (RST_STREAM CANCEL) once the handler runs.
function viaHttp2(origin: string, protocol: string): Promise<() => void> {
  const [type, body] = bodies[protocol];
  const session = http2.connect(origin);
  session.on("error", () => {});
  const stream = session.request({
    ":method": "POST",
    ":path": PATH,
    "content-type": type,
    ...(protocol === "grpc" ? { te: "trailers" } : {}),
  });
  stream.on("error", () => {});
  stream.end(body);
  return started.promise.then(() => {
    stream.close(http2.constants.NGHTTP2_CANCEL);
    return () => session.destroy();
  });
}

const httpServer = createHttpServer({ address: "127.0.0.1:0", services });
const grpcServer = createGrpcServer({ address: "127.0.0.1:0", services });
await httpServer.start();
await grpcServer.start();
const cases: [string, () => Promise<unknown>][] = [
  ["http connect", () => viaHttp1(httpServer.endpoint().href.replace(/\/$/, ""), "connect")],
  ["http grpc-web", () => viaHttp1(httpServer.endpoint().href.replace(/\/$/, ""), "grpc-web")],
  ...["connect", "grpc-web", "grpc"].map((p): [string, () => Promise<unknown>] => [
    `grpc-server ${p}`,
    () => viaHttp2(`http://${grpcServer.endpoint().host}`, p),
  ]),
];
for (const [name, run] of cases) {
  started = Promise.withResolvers<void>();
  aborted = Promise.withResolvers<unknown>();
  let cleanup: unknown;
  try {
    cleanup = await bounded(`${name}: the handler's start`, run());
    const reason = await bounded(`${name}: the handler's signal`, aborted.promise);
    console.log(`ok ${name} ${reason instanceof Error ? reason.message : String(reason)}`);
  } catch (error) {
    console.log(`fail ${name} ${error instanceof Error ? error.message : error}`);
  } finally {
    if (typeof cleanup === "function") cleanup();
  }
}
await Promise.all([
  httpServer.stop({ signal: AbortSignal.timeout(2000) }),
  grpcServer.stop({
    signal: AbortSignal.timeout(2000),
  }),
]);
process.exit(0);
