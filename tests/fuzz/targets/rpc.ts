// The HTTP server's RPC front door, in process (`app.fetch`, no socket): Connect GET queries
// (encoding, base64, compression, message), and POSTs of mutated bodies in every content type
// (Connect unary and streaming, gRPC-Web binary and text) with or without compression headers,
// to a unary and a server-streaming method. Every answer must be a typed error or a success in
// the protocol's own form — never a thrown exception, an unhandled rejection (which ends the
// process: a crash), a 5xx other than Connect-ES's own (`internal` for an undecodable message, `unimplemented`
// for a protocol error), or a body
// that does not end.
import fc from "fast-check";
import { Code } from "@connectrpc/connect";
import { codeToHttpStatus } from "@connectrpc/connect/protocol-connect";
import { createHttpServer, type HttpServer } from "../../../transport/mod.ts";
import { Greeter } from "../../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { bytesFrom, expect, type FuzzTarget, show, textFrom } from "../target.ts";

// The example's stream honours interval_ms (up to 10 s); this one answers at once, so an
// input's cost is the transport's, not a timer's.
const impl = {
  sayHello(req: { name: string }) {
    return { message: `Hello ${req.name}` };
  },
  async *sayHelloStream(req: { name: string; count: number }) {
    for (let i = 0; i < Math.min(Math.max(req.count, 1), 3); i++) yield { message: req.name };
  },
};

const PATHS = ["/helloworld.v1.Greeter/SayHello", "/helloworld.v1.Greeter/SayHelloStream"];
const TYPES = [
  "application/json",
  "application/proto",
  "application/connect+proto",
  "application/connect+json",
  "application/grpc-web+proto",
  "application/grpc-web+json",
  "application/grpc-web-text",
  "application/grpc-web-text+proto",
  "application/grpc",
  "application/json; charset=utf-16",
  "text/plain",
];
const HEADERS = fc.dictionary(
  fc.constantFrom(
    "content-encoding",
    "connect-content-encoding",
    "grpc-encoding",
    "connect-protocol-version",
    "connect-timeout-ms",
    "grpc-timeout",
    "content-length",
  ),
  fc.oneof(
    fc.constantFrom(
      "gzip",
      "br",
      "deflate",
      "identity",
      "zstd",
      "1",
      "2",
      "0",
      "5S",
      "-1",
      "99999999999",
    ),
    fc.string({ maxLength: 12 }),
  ),
  { maxKeys: 3 },
);

interface Input {
  readonly get: boolean;
  readonly path: number;
  readonly query: string;
  readonly type: number;
  readonly body: Uint8Array;
  readonly headers: Record<string, string>;
}

let server: HttpServer;
let executed = 0;
const VALID_CODES = new Set(Object.values(Code).filter((v) => typeof v === "string"));

async function honestCall(): Promise<void> {
  const res = await server.app.fetch(
    new Request(`http://fuzz${PATHS[0]}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"name":"ok"}',
    }),
  );
  const text = await res.text();
  expect(
    res.status === 200 && text === '{"message":"Hello ok"}',
    `honest call: ${res.status} ${text}`,
  );
}

function connectError(text: string, status: number, input: Input): void {
  let json: { code?: unknown; message?: unknown };
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(
      `status ${status} with a body that is not JSON: ${text.slice(0, 200)} (${show(input)})`,
    );
  }
  const code = json.code as string;
  expect(
    VALID_CODES.has(
      code.replace(/_([a-z])/g, (_m, c) => c.toUpperCase()).replace(/^./, (c) => c.toUpperCase()),
    ),
    `unknown code ${code}`,
    input,
  );
  expect(
    typeof json.message === "string" && json.message !== "",
    "an error without a message",
    input,
  );
  const numeric = Code[
    code.replace(/_([a-z])/g, (_m, c) => c.toUpperCase()).replace(
      /^./,
      (c) => c.toUpperCase(),
    ) as keyof typeof Code
  ];
  expect(codeToHttpStatus(numeric) === status, `code ${code} with status ${status}`, input);
  if (status >= 500) {
    expect(
      (code === "internal" && /parse|decompress|compressed/.test(json.message as string)) ||
        (code === "unimplemented" &&
          /protocol error|not allowed|unsupported|compression/.test(json.message as string)),
      `a 5xx that is not a decoding error: ${code} ${json.message}`,
      input,
    );
  }
}

export const target: FuzzTarget<Input> = {
  name: "rpc",
  async: true,
  async setup() {
    server = createHttpServer({
      address: "127.0.0.1:0",
      services: [[Greeter, impl]],
      readMaxBytes: 4096,
    });
    await honestCall();
  },
  async teardown() {
    await honestCall();
  },
  arbitrary: (seeds) =>
    fc.record({
      get: fc.boolean(),
      path: fc.nat(PATHS.length - 1),
      query: textFrom(seeds),
      type: fc.nat(TYPES.length - 1),
      body: bytesFrom(seeds),
      headers: HEADERS,
    }),
  examples: (seeds) =>
    seeds.flatMap((seed): Input[] => [
      {
        get: true,
        path: 0,
        query: new TextDecoder().decode(seed),
        type: 0,
        body: seed,
        headers: {},
      },
      { get: false, path: 1, query: "", type: 2, body: seed, headers: {} },
      { get: false, path: 0, query: "", type: 4, body: seed, headers: { "grpc-encoding": "gzip" } },
    ]),
  async check(input) {
    const url = `http://fuzz${PATHS[input.path]}${input.get ? `?${input.query}` : ""}`;
    let request: Request;
    try {
      request = new Request(url, {
        method: input.get ? "GET" : "POST",
        headers: input.get ? {} : { ...input.headers, "content-type": TYPES[input.type] },
        body: input.get ? undefined : input.body as Uint8Array<ArrayBuffer>,
      });
    } catch {
      return; // a header value fetch itself refuses never reaches a server
    }
    const res = await server.app.fetch(request);
    const type = res.headers.get("content-type") ?? "";
    const body = new Uint8Array(await res.arrayBuffer());
    const text = new TextDecoder().decode(body);
    if (type.startsWith("application/grpc-web") || type.startsWith("application/grpc")) {
      expect(res.status === 200, `gRPC-Web answered HTTP ${res.status}`, input);
      const status = res.headers.get("grpc-status") ??
        (type.includes("text") ? atobSafe(text) : text).match(/grpc-status:\s*(\d+)/)?.[1];
      expect(
        status !== undefined && status !== null,
        `gRPC-Web answer without grpc-status: ${text.slice(0, 100)}`,
        input,
      );
      expect(Number(status) >= 0 && Number(status) <= 16, `grpc-status ${status}`, input);
    } else if (type.startsWith("application/connect+")) {
      expect(res.status === 200, `Connect stream answered HTTP ${res.status}`, input);
      // The last envelope (flag 0x02) holds the end-of-stream JSON.
      let offset = 0;
      let end: string | undefined;
      while (offset + 5 <= body.length) {
        const length = new DataView(body.buffer, offset + 1, 4).getUint32(0);
        if (body[offset] & 0x02) {
          end = new TextDecoder().decode(body.subarray(offset + 5, offset + 5 + length));
        }
        offset += 5 + length;
      }
      expect(offset === body.length && end !== undefined, "a Connect stream without an end", input);
      const json = JSON.parse(end!);
      if (json.error) {
        connectError(JSON.stringify(json.error), codeToHttpStatusOf(json.error.code), input);
      }
    } else if (res.status !== 200) {
      if (res.status === 404 || res.status === 405 || res.status === 415) {
        // routing answers (unsupported type, GET of a stream): no Connect body required
        return;
      }
      connectError(text, res.status, input);
    }
    if (++executed % 200 === 0) await honestCall();
  },
};

function codeToHttpStatusOf(code: string): number {
  const key = code.replace(/_([a-z])/g, (_m, c) => c.toUpperCase()).replace(
    /^./,
    (c) => c.toUpperCase(),
  );
  return codeToHttpStatus(Code[key as keyof typeof Code]);
}

function atobSafe(text: string): string {
  try {
    return atob(text.replace(/=+/g, ""));
  } catch {
    return text;
  }
}
