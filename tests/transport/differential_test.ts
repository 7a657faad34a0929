// The fast path against its oracle: one corpus of Connect, gRPC-Web and gRPC requests sent to
// a server on Atreus's fast path and to the same server with `fastPath: false` (Connect-ES's
// own handler). Status, the headers that matter, body bytes and trailers must be equal, and
// each case counts which path ran the handler: shared layers run on both sides, so a case the
// fast path did not serve would compare Connect-ES with itself.
import assert from "node:assert/strict";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { gzip } from "../../transport/mod.ts";
import { createGrpcServer, createHttpServer } from "../../transport/mod.ts";
import {
  Greeter,
  HelloRequestSchema,
} from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { ErrorInfoSchema } from "../../internal/gen/google/rpc/error_details_pb.ts";
import { notFound } from "../../errors/mod.ts";
import { grpcFrame, h2Request, type H2Response } from "../support/h2.ts";
import type { Middleware } from "../../transport/mod.ts";
import { callStateKey } from "../../transport/fastpath/plan.ts";

const SAY = "/helloworld.v1.Greeter/SayHello";

type Path = "fast" | "connect-es";

// The cases refused before any handler runs (on both servers alike). Every other case must be
// served by the fast path's handler on the fast server, so a new case counts without a list.
const NO_HANDLER_HTTP = new Set([
  "connect empty json body",
  "connect malformed json",
  "connect wrong json type",
  "connect malformed binary",
  "connect wrong content type",
  "connect over readMaxBytes",
  "connect bad compressed request",
  "connect unknown encoding",
  "connect invalid timeout",
  "connect GET bad encoding",
  "connect GET on a stream",
  "unknown method",
  "grpc-web empty body",
  "grpc-web truncated frame",
  "grpc-web extra message",
  "grpc-web envelope over readMaxBytes",
  "grpc-web compressed flag without encoding",
  "grpc-web invalid timeout",
]);
const NO_HANDLER_GRPC = new Set([
  "grpc empty body",
  "grpc truncated frame",
  "grpc extra message",
  "grpc malformed message",
  "grpc envelope over readMaxBytes",
  "grpc unknown encoding",
  "grpc invalid timeout",
  "grpc unknown method",
]);

// Records which path ran each call that reached the handler: the fast path's runner
// (transport/fastpath/call.ts) alone puts its call state in the context values. Both servers
// choose the path with the same selector (transport/fastpath/select.ts), so the gRPC server's
// Connect and gRPC-Web calls are counted too.
function pathRecorder(): { seen: Path[]; middleware: Middleware[] } {
  const seen: Path[] = [];
  const middleware: Middleware[] = [(next) => (req) => {
    seen.push(req.contextValues.get(callStateKey) === undefined ? "connect-es" : "fast");
    return next(req);
  }];
  return { seen, middleware };
}

// Per case: the oracle never takes the fast path, and every call the oracle's handler served
// was served by the fast server's handler on the fast path (unless `delegated`: cases the fast
// path hands to Connect-ES by design). Returns whether the fast path served the case.
function checkPaths(name: string, fast: Path[], oracle: Path[], delegated: boolean): boolean {
  assert.ok(!oracle.includes("fast"), `${name}: the oracle took the fast path`);
  const want: Path = delegated ? "connect-es" : "fast";
  assert.deepEqual(fast, oracle.map(() => want), `${name}: paths ${fast} against ${oracle}`);
  return fast.length > 0 && !delegated;
}
const STREAM = "/helloworld.v1.Greeter/SayHelloStream";

// Behaviour chosen by the request's name, so one service covers every outcome.
const impl = {
  async sayHello(
    req: { name: string },
    ctx: { signal: AbortSignal; responseHeader: Headers; responseTrailer: Headers },
  ) {
    switch (req.name) {
      case "details":
        throw new ConnectError("with details", Code.FailedPrecondition, { "x-error-meta": "m" }, [
          {
            desc: ErrorInfoSchema,
            value: create(ErrorInfoSchema, { reason: "R", metadata: { a: "b" } }),
          },
        ]);
      case "atreus":
        throw notFound("USER_NOT_FOUND", "no such user").withMetadata({ id: "1" });
      case "throw":
        throw new Error("secret internals");
      case "slow":
        await new Promise((_, reject) =>
          ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason))
        );
        return { message: "never" };
      case "headers":
        ctx.responseHeader.set("x-custom", "h");
        ctx.responseTrailer.set("x-trail", "t");
        return { message: "with headers" };
      case "headers-error":
        // Headers and trailers set before failing travel with the error (Connect: trailer-*).
        ctx.responseHeader.set("x-custom", "h");
        ctx.responseTrailer.set("x-trail", "t");
        throw new ConnectError("failed after headers", Code.Aborted);
      case "big":
        return { message: "x".repeat(4096) };
      case "medium":
        return { message: "y".repeat(1500) };
      default:
        return { message: `Hello ${req.name}` };
    }
  },
  async *sayHelloStream(req: { name: string }) {
    yield { message: `s ${req.name}` };
  },
};

const options = {
  address: "127.0.0.1:0",
  services: [[Greeter, impl]] as const,
  readMaxBytes: 1024,
  writeMaxBytes: 3000,
  compression: [gzip],
  timeoutMs: 0,
};

const MATTER = [
  "content-type",
  "content-encoding",
  "accept-encoding",
  "grpc-encoding",
  "grpc-accept-encoding",
  "grpc-status",
  "grpc-message",
  "grpc-status-details-bin",
  "allow",
];

function pick(headers: Headers | Record<string, string>): Record<string, string> {
  const entries: [string, string][] = headers instanceof Headers
    ? [...headers.entries()]
    : Object.entries(headers);
  const out: Record<string, string> = {};
  for (const [k, v] of entries) {
    if (MATTER.includes(k) || k.startsWith("x-") || k.startsWith("trailer-")) out[k] = v;
  }
  return out;
}

const enc = new TextEncoder();
const proto = (name: string) => toBinary(HelloRequestSchema, create(HelloRequestSchema, { name }));
const b64url = (b: Uint8Array) =>
  btoa(String.fromCharCode(...b)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
async function gz(data: Uint8Array): Promise<Uint8Array> {
  return await gzip.compress(data);
}

interface Case {
  name: string;
  method?: string;
  path?: string;
  query?: string;
  headers: Record<string, string>;
  body?: Uint8Array | string;
}

async function corpus(): Promise<Case[]> {
  const json = (name: string, extra = {}) => ({
    headers: { "content-type": "application/json", ...extra },
    body: JSON.stringify({ name }),
  });
  const bin = { "content-type": "application/proto" };
  const web = { "content-type": "application/grpc-web+proto", "x-grpc-web": "1" };
  const big = "z".repeat(2000);
  return [
    { name: "connect json", ...json("ann") },
    {
      name: "connect json with charset",
      ...json("ann", { "content-type": "application/json; charset=utf-8" }),
    },
    { name: "connect binary", headers: bin, body: proto("bob") },
    {
      name: "connect unknown json field",
      headers: json("x").headers,
      body: '{"name":"u","extra":[1,2]}',
    },
    { name: "connect empty json body", headers: json("x").headers, body: "" },
    { name: "connect empty binary body", headers: bin, body: new Uint8Array() },
    { name: "connect malformed json", headers: json("x").headers, body: '{"name":' },
    { name: "connect wrong json type", headers: json("x").headers, body: '{"name":1}' },
    { name: "connect malformed binary", headers: bin, body: new Uint8Array([0x0a, 0x7f, 1]) },
    { name: "connect wrong content type", headers: { "content-type": "text/plain" }, body: "hi" },
    { name: "connect error with details", ...json("details") },
    { name: "connect atreus error", ...json("atreus") },
    { name: "connect untyped throw", ...json("throw") },
    { name: "connect headers and trailers", ...json("headers") },
    { name: "connect headers and trailers, then an error", ...json("headers-error") },
    { name: "connect over readMaxBytes", ...json(big) },
    { name: "connect over writeMaxBytes", ...json("big") },
    {
      name: "connect compressed request",
      headers: { ...json("x").headers, "content-encoding": "gzip" },
      body: await gz(enc.encode('{"name":"zipped"}')),
    },
    {
      name: "connect bad compressed request",
      headers: { ...json("x").headers, "content-encoding": "gzip" },
      body: enc.encode("not gzip"),
    },
    {
      name: "connect unknown encoding",
      headers: { ...json("x").headers, "content-encoding": "br" },
      body: '{"name":"x"}',
    },
    { name: "connect compressed response", ...json("medium", { "accept-encoding": "gzip" }) },
    // The reply's encoding is negotiated only for a body that may reach compressMinBytes.
    { name: "connect small response, gzip accepted", ...json("x", { "accept-encoding": "gzip" }) },
    {
      name: "connect identity request, compressed response",
      ...json("medium", { "content-encoding": "identity", "accept-encoding": "br, gzip" }),
    },
    {
      name: "connect error response, gzip accepted",
      ...json("details", { "accept-encoding": "gzip" }),
    },
    { name: "connect deadline expiry", ...json("slow", { "connect-timeout-ms": "30" }) },
    { name: "connect deadline not reached", ...json("ok", { "connect-timeout-ms": "5000" }) },
    { name: "connect invalid timeout", ...json("ok", { "connect-timeout-ms": "soon" }) },
    {
      name: "connect GET json",
      method: "GET",
      query: `encoding=json&message=${encodeURIComponent('{"name":"get"}')}`,
      headers: {},
    },
    {
      name: "connect GET proto base64",
      method: "GET",
      query: `encoding=proto&base64=1&message=${b64url(proto("get64"))}`,
      headers: {},
    },
    {
      name: "connect GET compressed",
      method: "GET",
      query: `encoding=json&base64=1&compression=gzip&message=${
        b64url(await gz(enc.encode('{"name":"getz"}')))
      }`,
      headers: {},
    },
    {
      name: "connect GET bad encoding",
      method: "GET",
      query: "encoding=xml&message=x",
      headers: {},
    },
    {
      name: "connect GET error",
      method: "GET",
      query: `encoding=json&message=${encodeURIComponent('{"name":"atreus"}')}`,
      headers: {},
    },
    {
      name: "connect GET on a stream",
      method: "GET",
      path: STREAM,
      query: "encoding=json&message={}",
      headers: {},
    },
    { name: "unknown method", path: "/helloworld.v1.Greeter/Nope", ...json("x") },
    { name: "grpc-web unary", headers: web, body: grpcFrame(proto("web")) },
    {
      name: "grpc-web json",
      headers: { "content-type": "application/grpc-web+json" },
      body: grpcFrame(enc.encode('{"name":"wj"}')),
    },
    { name: "grpc-web error details", headers: web, body: grpcFrame(proto("details")) },
    { name: "grpc-web atreus error", headers: web, body: grpcFrame(proto("atreus")) },
    { name: "grpc-web headers and trailers", headers: web, body: grpcFrame(proto("headers")) },
    {
      name: "grpc-web headers and trailers, then an error",
      headers: web,
      body: grpcFrame(proto("headers-error")),
    },
    { name: "grpc-web empty body", headers: web, body: new Uint8Array() },
    {
      name: "grpc-web truncated frame",
      headers: web,
      body: grpcFrame(proto("cut")).subarray(0, 8),
    },
    {
      name: "grpc-web extra message",
      headers: web,
      body: new Uint8Array([...grpcFrame(proto("a")), ...grpcFrame(proto("b"))]),
    },
    {
      name: "grpc-web trailer frame skipped",
      headers: web,
      body: new Uint8Array([...grpcFrame(proto("t")), ...grpcFrame(new Uint8Array(), 0x80)]),
    },
    { name: "grpc-web envelope over readMaxBytes", headers: web, body: grpcFrame(proto(big)) },
    {
      name: "grpc-web compressed request",
      headers: { ...web, "grpc-encoding": "gzip" },
      body: grpcFrame(await gz(proto("gzweb")), 1),
    },
    {
      name: "grpc-web compressed flag without encoding",
      headers: web,
      body: grpcFrame(await gz(proto("x")), 1),
    },
    {
      name: "grpc-web compressed response",
      headers: { ...web, "grpc-accept-encoding": "gzip" },
      body: grpcFrame(proto("medium")),
    },
    {
      name: "grpc-web deadline expiry",
      headers: { ...web, "grpc-timeout": "30m" },
      body: grpcFrame(proto("slow")),
    },
    {
      name: "grpc-web invalid timeout",
      headers: { ...web, "grpc-timeout": "1x" },
      body: grpcFrame(proto("ok")),
    },
    { name: "grpc-web over writeMaxBytes", headers: web, body: grpcFrame(proto("big")) },
  ];
}

async function normalize(res: Response) {
  const body = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, headers: pick(res.headers), body: [...body] };
}

Deno.test("fast path and Connect-ES answer the HTTP corpus identically", async (t) => {
  const [onFast, onOracle] = [pathRecorder(), pathRecorder()];
  const fast = createHttpServer({ ...options, middleware: onFast.middleware });
  const oracle = createHttpServer({ ...options, middleware: onOracle.middleware, fastPath: false });
  const cases = await corpus();
  const served: string[] = [];
  for (const c of cases) {
    await t.step(c.name, async () => {
      onFast.seen.length = 0;
      onOracle.seen.length = 0;
      const url = `http://127.0.0.1${c.path ?? SAY}${c.query ? `?${c.query}` : ""}`;
      const make = () =>
        new Request(url, {
          method: c.method ?? "POST",
          headers: c.headers,
          body: c.method === "GET"
            ? undefined
            : typeof c.body === "string"
            ? c.body
            : new Blob([(c.body ?? new Uint8Array()) as Uint8Array<ArrayBuffer>]),
        });
      const [a, b] = await Promise.all([fast.fetch(make()), oracle.fetch(make())]);
      const [na, nb] = [await normalize(a), await normalize(b)];
      assert.deepEqual(na, nb);
      const delegated = (c.path ?? SAY) === STREAM;
      if (checkPaths(c.name, onFast.seen, onOracle.seen, delegated)) served.push(c.name);
    });
  }
  console.log(`HTTP corpus: the fast path served ${served.length} of ${cases.length} cases`);
  assert.deepEqual(served, cases.filter((c) => !NO_HANDLER_HTTP.has(c.name)).map((c) => c.name));
});

function pickH2(r: H2Response) {
  return {
    status: r.status,
    headers: pick(r.headers),
    trailers: pick(r.trailers),
    body: [...r.body],
  };
}

// The same corpus over HTTP/2 to the gRPC server, which serves Connect and gRPC-Web too: its
// fast path (the HTTP server's protocol code, read from and written to node:http2 streams) must
// serve the same cases and answer them as Connect-ES does there.
Deno.test("fast path and Connect-ES answer the HTTP corpus identically over HTTP/2", async (t) => {
  const [onFast, onOracle] = [pathRecorder(), pathRecorder()];
  const fast = createGrpcServer({ ...options, middleware: onFast.middleware });
  const oracle = createGrpcServer({ ...options, middleware: onOracle.middleware, fastPath: false });
  await fast.start();
  await oracle.start();
  const a = `http://${fast.endpoint().host}`;
  const b = `http://${oracle.endpoint().host}`;
  const cases = await corpus();
  const served: string[] = [];
  try {
    for (const c of cases) {
      await t.step(c.name, async () => {
        onFast.seen.length = 0;
        onOracle.seen.length = 0;
        const path = `${c.path ?? SAY}${c.query ? `?${c.query}` : ""}`;
        const headers = { ...c.headers, ":method": c.method ?? "POST" };
        const body = c.method === "GET"
          ? new Uint8Array()
          : typeof c.body === "string"
          ? enc.encode(c.body)
          : c.body ?? new Uint8Array();
        const [ra, rb] = await Promise.all([
          h2Request(a, path, headers, body),
          h2Request(b, path, headers, body),
        ]);
        assert.deepEqual(pickH2(ra), pickH2(rb));
        const delegated = (c.path ?? SAY) === STREAM;
        if (checkPaths(c.name, onFast.seen, onOracle.seen, delegated)) served.push(c.name);
      });
    }
    console.log(`HTTP/2 corpus: the fast path served ${served.length} of ${cases.length} cases`);
    assert.deepEqual(served, cases.filter((c) => !NO_HANDLER_HTTP.has(c.name)).map((c) => c.name));
  } finally {
    await fast.stop();
    await oracle.stop();
  }
});

Deno.test("fast path and Connect-ES answer the gRPC corpus identically", async (t) => {
  const [onFast, onOracle] = [pathRecorder(), pathRecorder()];
  const fast = createGrpcServer({ ...options, middleware: onFast.middleware });
  const oracle = createGrpcServer({ ...options, middleware: onOracle.middleware, fastPath: false });
  await fast.start();
  await oracle.start();
  const a = `http://${fast.endpoint().host}`;
  const b = `http://${oracle.endpoint().host}`;
  const g = { "content-type": "application/grpc", te: "trailers" };
  const cases: [string, Record<string, string>, Uint8Array][] = [
    ["grpc unary", g, grpcFrame(proto("grpc"))],
    ["grpc +proto", { ...g, "content-type": "application/grpc+proto" }, grpcFrame(proto("p"))],
    [
      "grpc +json",
      { ...g, "content-type": "application/grpc+json" },
      grpcFrame(enc.encode('{"name":"j"}')),
    ],
    ["grpc error details", g, grpcFrame(proto("details"))],
    ["grpc atreus error", g, grpcFrame(proto("atreus"))],
    ["grpc untyped throw", g, grpcFrame(proto("throw"))],
    ["grpc headers and trailers", g, grpcFrame(proto("headers"))],
    ["grpc headers and trailers, then an error", g, grpcFrame(proto("headers-error"))],
    ["grpc empty body", g, new Uint8Array()],
    ["grpc truncated frame", g, grpcFrame(proto("cut")).subarray(0, 8)],
    ["grpc extra message", g, new Uint8Array([...grpcFrame(proto("a")), ...grpcFrame(proto("b"))])],
    ["grpc malformed message", g, grpcFrame(new Uint8Array([0x0a, 0x7f, 1]))],
    ["grpc envelope over readMaxBytes", g, grpcFrame(proto("z".repeat(2000)))],
    ["grpc over writeMaxBytes", g, grpcFrame(proto("big"))],
    [
      "grpc compressed request",
      { ...g, "grpc-encoding": "gzip" },
      grpcFrame(await gz(proto("gz")), 1),
    ],
    ["grpc unknown encoding", { ...g, "grpc-encoding": "snappy" }, grpcFrame(proto("x"))],
    [
      "grpc compressed response",
      { ...g, "grpc-accept-encoding": "gzip" },
      grpcFrame(proto("medium")),
    ],
    ["grpc deadline expiry", { ...g, "grpc-timeout": "30m" }, grpcFrame(proto("slow"))],
    ["grpc invalid timeout", { ...g, "grpc-timeout": "soon" }, grpcFrame(proto("ok"))],
    ["grpc unknown method", g, grpcFrame(proto("x"))],
  ];
  const served: string[] = [];
  try {
    for (const [name, headers, body] of cases) {
      await t.step(name, async () => {
        onFast.seen.length = 0;
        onOracle.seen.length = 0;
        const path = name === "grpc unknown method" ? "/helloworld.v1.Greeter/Nope" : SAY;
        const [ra, rb] = await Promise.all([
          h2Request(a, path, headers, body),
          h2Request(b, path, headers, body),
        ]);
        assert.deepEqual(pickH2(ra), pickH2(rb));
        if (checkPaths(name, onFast.seen, onOracle.seen, false)) served.push(name);
      });
    }
    console.log(`gRPC corpus: the fast path served ${served.length} of ${cases.length} cases`);
    assert.deepEqual(served, cases.map(([name]) => name).filter((n) => !NO_HANDLER_GRPC.has(n)));
  } finally {
    await fast.stop();
    await oracle.stop();
  }
});
