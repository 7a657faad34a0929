// The bad-input corpus: every case sends something broken, checks the typed answer (code,
// status, a message naming the problem), then that the server still answers an honest call.
// bad_input_test.ts runs it against servers on Deno, Bun, Node and workerd. Cases marked
// `grpc` need the node:http2 gRPC server, which workerd does not have (Workers serve the
// Fetch handler only; native gRPC there gets the Unimplemented answer of "native gRPC on the
// Fetch HTTP server").
import assert from "node:assert/strict";
import { create, toBinary } from "@bufbuild/protobuf";
import { HelloRequestSchema } from "../../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { grpcFrame, h2Request, type H2Response } from "../../support/h2.ts";
import { READ_MAX_BYTES } from "./services.ts";

// An error reply that carries no message is Trailers-Only, as grpc-go sends it: the status is in
// the response's one HEADERS frame and no trailers follow (a client reading trailers alone would
// lose it when the stream is reset after the reply, README ⁴).
function trailersOnly(g: H2Response): Record<string, string> {
  assert.deepEqual(g.trailers, {}, "no trailers after a Trailers-Only reply");
  assert.equal(g.body.length, 0, "a Trailers-Only reply has no body");
  return g.headers;
}

/** Where the servers under test listen. */
export interface Target {
  /** `http://127.0.0.1:port` of the HTTP server. */
  readonly http: string;
  /** `http://127.0.0.1:port` of the gRPC server; absent on workerd. */
  readonly grpc?: string;
}

/** One bad-input case. */
export interface Case {
  /** What is broken. */
  readonly name: string;
  /** Needs the gRPC server (not run on workerd, which has none). */
  readonly grpc?: boolean;
  /** Sends it and checks the answer and that the server keeps serving. */
  run(target: Target): Promise<void>;
}

const SAY = "/helloworld.v1.Greeter/SayHello";
const STREAM = "/helloworld.v1.Greeter/SayHelloStream";
const CLIENT_STREAM = "/connectrpc.conformance.v1.ConformanceService/ClientStream";
const BIDI = "/connectrpc.conformance.v1.ConformanceService/BidiStream";
const hello = (name: string) => toBinary(HelloRequestSchema, create(HelloRequestSchema, { name }));
const GRPC = { "content-type": "application/grpc", te: "trailers" };
const TIMEOUT_MS = 10_000;

async function post(url: string, contentType: string, body: string | Uint8Array, headers = {}) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": contentType, ...headers },
    body: typeof body === "string" ? body : new Blob([body as Uint8Array<ArrayBuffer>]),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  let json: { code?: string; message?: string } = {};
  try {
    json = JSON.parse(text);
  } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, bytes, text, json };
}

/** The envelopes of a streamed body: flags and payload of each; throws if a frame is cut. */
function envelopes(body: Uint8Array): { flags: number; data: Uint8Array }[] {
  const out = [];
  let i = 0;
  while (i < body.length) {
    assert.ok(body.length - i >= 5, "a response envelope cut short");
    const length = new DataView(body.buffer, body.byteOffset + i + 1, 4).getUint32(0);
    out.push({ flags: body[i], data: body.subarray(i + 5, i + 5 + length) });
    i += 5 + length;
  }
  return out;
}

/** The error in a Connect stream's end-of-stream message (flag 0x02), which must be JSON. */
function connectEndError(body: Uint8Array): { code: string; message: string } {
  const end = envelopes(body).at(-1);
  assert.ok(end && (end.flags & 0x02) === 0x02, "the Connect stream has no end-of-stream message");
  const json = JSON.parse(new TextDecoder().decode(end.data));
  assert.ok(json.error, `end of stream without an error: ${JSON.stringify(json)}`);
  return json.error;
}

/** grpc-status and grpc-message of a gRPC-Web stream's trailer envelope (flag 0x80). */
function grpcWebTrailer(body: Uint8Array): { status: string; message: string } {
  const trailer = envelopes(body).at(-1);
  assert.ok(trailer && (trailer.flags & 0x80) === 0x80, "the gRPC-Web stream has no trailer");
  const text = new TextDecoder().decode(trailer.data);
  const field = (name: string) => text.match(new RegExp(`^${name}: (.*)\\r$`, "m"))?.[1] ?? "";
  return { status: field("grpc-status"), message: decodeURIComponent(field("grpc-message")) };
}

/** An honest unary call on every server, after each case. */
export async function stillServing(target: Target): Promise<void> {
  const ok = await post(target.http + SAY, "application/json", '{"name":"ok"}');
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.message, "Hello ok");
  if (target.grpc) {
    const g = await h2Request(target.grpc, SAY, GRPC, grpcFrame(hello("ok")), TIMEOUT_MS);
    assert.equal(g.trailers["grpc-status"], "0");
  }
}

function frameOfLength(declared: number, flags = 0): Uint8Array {
  const out = new Uint8Array(5);
  out[0] = flags;
  new DataView(out.buffer).setUint32(1, declared);
  return out;
}

// Bad bytes inside streams: what each stream reader must answer.
interface StreamBytes {
  readonly name: string;
  readonly body: Uint8Array;
  readonly code: string; // Connect code
  readonly status: string; // gRPC status
  readonly message: RegExp;
}

// An empty message is valid for every request type; what follows it is cut short.
const good = grpcFrame(new Uint8Array());
const cut = grpcFrame(hello("cut")).subarray(0, 7);
const STREAM_BYTES: readonly StreamBytes[] = [
  {
    name: "an envelope cut short after a good one",
    body: new Uint8Array([...good, ...cut]),
    code: "invalid_argument",
    status: "3",
    message: /^protocol error: incomplete envelope$/,
  },
  {
    name: "an envelope declaring more than readMaxBytes",
    body: frameOfLength(READ_MAX_BYTES * 2),
    code: "resource_exhausted",
    status: "8",
    message: new RegExp(
      `^message size ${
        READ_MAX_BYTES * 2
      } is larger than configured readMaxBytes ${READ_MAX_BYTES}$`,
    ),
  },
  {
    name: "an envelope declaring 4 GiB",
    body: frameOfLength(0xffffffff),
    code: "resource_exhausted",
    status: "8",
    message: /^message size 4294967295 is larger than configured readMaxBytes 1024$/,
  },
  {
    name: "a compressed flag without a negotiated compression",
    body: grpcFrame(hello("x"), 0x01),
    code: "internal",
    status: "13",
    message: /^received compressed envelope, but do not know how to decompress$/,
  },
  {
    name: "a message that is not protobuf",
    body: grpcFrame(new Uint8Array([0x0a, 0x7f, 0x01])),
    code: "internal",
    status: "13",
    message: /^parse binary: /,
  },
];

const streamCases: Case[] = STREAM_BYTES.flatMap((bad): Case[] => [
  {
    name: `Connect server stream: ${bad.name}`,
    async run(target) {
      const res = await post(target.http + STREAM, "application/connect+proto", bad.body);
      assert.equal(res.status, 200);
      const error = connectEndError(res.bytes);
      assert.equal(error.code, bad.code);
      assert.match(error.message, bad.message);
      await stillServing(target);
    },
  },
  {
    name: `Connect client stream: ${bad.name}`,
    async run(target) {
      const res = await post(target.http + CLIENT_STREAM, "application/connect+proto", bad.body);
      assert.equal(res.status, 200);
      const error = connectEndError(res.bytes);
      assert.equal(error.code, bad.code);
      assert.match(error.message, bad.message);
      await stillServing(target);
    },
  },
  {
    name: `gRPC-Web server stream: ${bad.name}`,
    async run(target) {
      const res = await post(target.http + STREAM, "application/grpc-web+proto", bad.body);
      assert.equal(res.status, 200);
      const trailer = grpcWebTrailer(res.bytes);
      assert.equal(trailer.status, bad.status);
      assert.match(trailer.message, bad.message);
      await stillServing(target);
    },
  },
  {
    name: `gRPC client and bidi streams: ${bad.name}`,
    grpc: true,
    async run(target) {
      for (const path of [CLIENT_STREAM, BIDI]) {
        const g = await h2Request(target.grpc!, path, GRPC, bad.body, TIMEOUT_MS);
        assert.equal(g.status, 200);
        const status = g.trailers["grpc-status"] ?? g.headers["grpc-status"];
        const message = g.trailers["grpc-message"] ?? g.headers["grpc-message"] ?? "";
        assert.equal(status, bad.status, `${path}: ${message}`);
        assert.match(decodeURIComponent(message), bad.message, path);
      }
      await stillServing(target);
    },
  },
]);

// The unary cases the corpus started with (Connect, gRPC-Web, gRPC).
const unaryCases: Case[] = [
  {
    name: "unknown service or method",
    async run(target) {
      for (const path of ["/nope.v1.Nothing/Call", "/helloworld.v1.Greeter/Nope"]) {
        const c = await post(target.http + path, "application/json", "{}");
        assert.equal(c.status, 404);
        assert.equal(c.json.code, "unimplemented");
        assert.match(c.json.message!, new RegExp(path.replaceAll(".", "\\.")));
        const web = await post(
          target.http + path,
          "application/grpc-web+proto",
          grpcFrame(new Uint8Array()),
        );
        assert.equal(web.status, 200);
        assert.equal(web.headers.get("grpc-status"), "12");
      }
      const plain = await fetch(`${target.http}/no/such/page`, {
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      assert.equal(plain.status, 404);
      await plain.body?.cancel();
      await stillServing(target);
    },
  },
  {
    name: "unknown service or method on the gRPC server",
    grpc: true,
    async run(target) {
      for (const path of ["/nope.v1.Nothing/Call", "/helloworld.v1.Greeter/Nope"]) {
        const g = await h2Request(
          target.grpc!,
          path,
          GRPC,
          grpcFrame(new Uint8Array()),
          TIMEOUT_MS,
        );
        assert.equal(g.headers["grpc-status"] ?? g.trailers["grpc-status"], "12");
      }
      await stillServing(target);
    },
  },
  {
    name: "malformed JSON",
    async run(target) {
      const c = await post(target.http + SAY, "application/json", '{"name":');
      assert.equal(c.status, 400);
      assert.equal(c.json.code, "invalid_argument");
      assert.match(c.json.message!, /JSON|json/);
      const wrongType = await post(target.http + SAY, "application/json", '{"name": 42}');
      assert.equal(wrongType.status, 400);
      assert.equal(wrongType.json.code, "invalid_argument");
      const unknownField = await post(
        target.http + SAY,
        "application/json",
        '{"name":"u","extra":1}',
      );
      assert.equal(unknownField.status, 200, "unknown fields are ignored");
      await stillServing(target);
    },
  },
  {
    name: "malformed protobuf",
    async run(target) {
      // Connect-ES (our oracle) and grpc-go both answer an undecodable message with Internal.
      const c = await post(
        target.http + SAY,
        "application/proto",
        new Uint8Array([0x0a, 0x7f, 0x01]),
      );
      assert.equal(c.status, 500);
      assert.equal(c.json.code, "internal");
      assert.match(c.json.message!, /parse binary: premature EOF/);
      await stillServing(target);
    },
  },
  {
    name: "malformed protobuf on the gRPC server",
    grpc: true,
    async run(target) {
      const g = await h2Request(
        target.grpc!,
        SAY,
        GRPC,
        grpcFrame(new Uint8Array([0x0a, 0x7f, 0x01])),
        TIMEOUT_MS,
      );
      const status = trailersOnly(g);
      assert.equal(status["grpc-status"], "13");
      assert.match(decodeURIComponent(status["grpc-message"]), /parse binary/);
      await stillServing(target);
    },
  },
  {
    name: "body over readMaxBytes",
    async run(target) {
      const big = JSON.stringify({ name: "x".repeat(READ_MAX_BYTES * 2) });
      const c = await post(target.http + SAY, "application/json", big);
      assert.equal(c.status, 429);
      assert.equal(c.json.code, "resource_exhausted");
      assert.match(c.json.message!, new RegExp(String(READ_MAX_BYTES)));
      await stillServing(target);
    },
  },
  {
    name: "body over readMaxBytes on the gRPC server",
    grpc: true,
    async run(target) {
      const g = await h2Request(
        target.grpc!,
        SAY,
        GRPC,
        grpcFrame(hello("x".repeat(READ_MAX_BYTES * 2))),
        TIMEOUT_MS,
      );
      assert.equal(trailersOnly(g)["grpc-status"], "8");
      await stillServing(target);
    },
  },
  {
    name: "wrong content type",
    async run(target) {
      const c = await post(target.http + SAY, "text/plain", "hello");
      assert.equal(c.status, 415);
      assert.equal(c.headers.get("content-type"), "text/plain; charset=utf-8");
      assert.match(c.text, /unsupported content-type "text\/plain"/);
      await stillServing(target);
    },
  },
  {
    name: "truncated gRPC-Web frame",
    async run(target) {
      const frame = grpcFrame(hello("truncated"));
      const web = await post(
        target.http + SAY,
        "application/grpc-web+proto",
        frame.subarray(0, frame.length - 3),
      );
      assert.equal(web.status, 200);
      assert.match(web.text, /grpc-status:\s*(3|13)/);
      await stillServing(target);
    },
  },
  {
    name: "truncated gRPC frame",
    grpc: true,
    async run(target) {
      const frame = grpcFrame(hello("truncated"));
      const g = await h2Request(
        target.grpc!,
        SAY,
        GRPC,
        frame.subarray(0, frame.length - 3),
        TIMEOUT_MS,
      );
      const status = trailersOnly(g);
      assert.notEqual(status["grpc-status"], undefined);
      assert.notEqual(status["grpc-status"], "0");
      assert.match(
        decodeURIComponent(status["grpc-message"] ?? ""),
        /envelope|bytes|incomplete/i,
      );
      await stillServing(target);
    },
  },
  {
    name: "native gRPC on the Fetch HTTP server",
    async run(target) {
      const res = await post(target.http + SAY, "application/grpc", grpcFrame(hello("x")), {
        te: "trailers",
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("grpc-status"), "12");
      assert.match(
        decodeURIComponent(res.headers.get("grpc-message")!),
        /cannot send HTTP trailers/,
      );
      await stillServing(target);
    },
  },
  {
    name: "Connect GET with a broken query",
    async run(target) {
      const get = (q: string) =>
        fetch(`${target.http}${q}`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
      const bad = await get(`${SAY}?encoding=json&message=%7Bnope`);
      assert.equal(bad.status, 400);
      assert.equal((await bad.json()).code, "invalid_argument");
      const b64 = await get(`${SAY}?encoding=proto&base64=1&message=!!!`);
      assert.equal(b64.status, 400);
      assert.match((await b64.json()).message, /invalid base64/);
      const good = await get(`${SAY}?encoding=proto&base64=1&message=CgJoaQ`);
      assert.equal(good.status, 200);
      await good.body?.cancel();
      const post405 = await get(STREAM);
      assert.equal(post405.status, 405);
      assert.match((await post405.json()).message, /GET not allowed/);
      // A gRPC-Web client maps a 405 to Unknown without reading the body: plain text, no JSON
      // that would pass for a Connect error.
      const web405 = await fetch(`${target.http}${SAY}`, {
        method: "DELETE",
        headers: { "content-type": "application/grpc-web+proto" },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      assert.equal(web405.status, 405);
      assert.equal(web405.headers.get("content-type"), "text/plain; charset=utf-8");
      assert.equal(web405.headers.get("allow"), "POST, GET");
      assert.match(await web405.text(), /DELETE not allowed/);
      await stillServing(target);
    },
  },
];

/** Every case: the unary corpus, then bad bytes inside every kind of stream. */
export const CASES: readonly Case[] = [...unaryCases, ...streamCases];
