// The client's own gRPC unary path (transport/client/grpc_unary.ts) against Connect-ES's gRPC
// transport as the oracle, over the same connect-node HTTP/2 client, on replies a raw
// node:http2 server makes well and badly formed: both must give the same message, headers and
// trailers, or the same error (code, message, metadata).
import assert from "node:assert/strict";
import * as http2 from "node:http2";
import { create, toBinary } from "@bufbuild/protobuf";
import { ConnectError, type Transport } from "@connectrpc/connect";
import { compressedFlag, encodeEnvelope } from "@connectrpc/connect/protocol";
import { createTransport } from "@connectrpc/connect/protocol-grpc";
import { createNodeHttpClient, Http2SessionManager } from "@connectrpc/connect-node";
import { gzip } from "../../transport/mod.ts";
import { grpcUnary } from "../../transport/client/grpc_unary.ts";
import { outcomeOf } from "./outcome.ts";
import {
  Greeter,
  HelloReplySchema,
} from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";

const reply = toBinary(HelloReplySchema, create(HelloReplySchema, { message: "hi" }));
const OK = { "grpc-status": "0" };
type Head = http2.OutgoingHttpHeaders;
const GRPC: Head = { ":status": 200, "content-type": "application/grpc" };

// Each case: the reply's headers, body and trailers (undefined: none, the headers end it).
const cases: Record<string, { head: Head; body?: Uint8Array; trailers?: Head }> = {
  ok: { head: GRPC, body: encodeEnvelope(0, reply), trailers: OK },
  "repeated metadata": {
    head: { ...GRPC, "x-md-a": ["1", "2, 3"] },
    body: encodeEnvelope(0, reply),
    trailers: { ...OK, "x-md-t": ["p", "q"] },
  },
  "error in trailers": {
    head: GRPC,
    trailers: { "grpc-status": "5", "grpc-message": "not%20here", "x-md-e": ["a", "b"] },
  },
  "trailers-only error": { head: { ...GRPC, "grpc-status": "7", "grpc-message": "no" } },
  "message with error status": {
    head: GRPC,
    body: encodeEnvelope(0, reply),
    trailers: { "grpc-status": "13" },
  },
  "missing message": { head: GRPC, body: new Uint8Array(0), trailers: OK },
  "extra message": {
    head: GRPC,
    body: new Uint8Array([...encodeEnvelope(0, reply), ...encodeEnvelope(0, reply)]),
    trailers: OK,
  },
  "incomplete envelope": {
    head: GRPC,
    body: encodeEnvelope(0, reply).subarray(0, 4),
    trailers: OK,
  },
  "over readMaxBytes": {
    head: GRPC,
    body: encodeEnvelope(0, new Uint8Array(2048)),
    trailers: OK,
  },
  "compressed without grpc-encoding": {
    head: GRPC,
    body: encodeEnvelope(compressedFlag, reply),
    trailers: OK,
  },
  "missing status": { head: GRPC, body: encodeEnvelope(0, reply), trailers: {} },
  "http 503": { head: { ":status": 503, "content-type": "text/plain" }, body: new Uint8Array(3) },
  "wrong content type": {
    head: { ":status": 200, "content-type": "application/json" },
    body: encodeEnvelope(0, reply),
    trailers: OK,
  },
  "bad message bytes": {
    head: GRPC,
    body: encodeEnvelope(0, new Uint8Array([0xff])),
    trailers: OK,
  },
};

Deno.test("gRPC unary: the client's path answers as Connect-ES's transport", async () => {
  const server = http2.createServer();
  server.on("stream", (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
    const c = cases[String(headers["x-case"])];
    stream.on("data", () => {});
    stream.on("end", () => {
      if (c.trailers === undefined && c.body === undefined) {
        stream.respond(c.head, { endStream: true });
        return;
      }
      if (c.trailers === undefined) {
        stream.respond(c.head);
        stream.end(c.body);
        return;
      }
      stream.respond(c.head, { waitForTrailers: true });
      stream.once("wantTrailers", () => stream.sendTrailers(c.trailers!));
      stream.end(c.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const sessions = new Http2SessionManager(baseUrl);
  const options = {
    baseUrl,
    httpClient: createNodeHttpClient({ httpVersion: "2", sessionProvider: () => sessions }),
    useBinaryFormat: true,
    interceptors: [],
    acceptCompression: [gzip],
    compressMinBytes: 1024,
    readMaxBytes: 1024,
    writeMaxBytes: 0xffffffff,
    sendCompression: null,
  };
  const oracle: Transport = createTransport(options);
  const ours = grpcUnary(options, oracle.unary);
  const outcome = (unary: Transport["unary"], name: string) =>
    outcomeOf(() =>
      unary(Greeter.method.sayHello, undefined, undefined, { "x-case": name }, { name: "x" })
    );
  try {
    for (const name of Object.keys(cases)) {
      assert.deepEqual(await outcome(ours, name), await outcome(oracle.unary, name), name);
    }
    // A caller's abort ends the call as Connect-ES's does (Canceled with its reason).
    const aborted = new AbortController();
    aborted.abort(new Error("stop"));
    const call = (unary: Transport["unary"]) =>
      unary(Greeter.method.sayHello, aborted.signal, undefined, { "x-case": "ok" }, {}).then(
        () => "answered",
        (e) => `${ConnectError.from(e).code} ${ConnectError.from(e).rawMessage}`,
      );
    assert.equal(await call(ours), await call(oracle.unary));
  } finally {
    sessions.abort();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
