// Run by unread_body_test.ts under Node:
//
//   node truncated_body_web_script.ts <http-origin> <size> <calls>
//
// The HTTP server's side of truncated_body_h2_script.ts: over h2c, gRPC-Web unary and server
// stream calls and Connect server-stream calls whose one message is over the server's read
// limit, sent as Go's HTTP/2 transport under connect-go sends them: with a content-length, and,
// once the reply's headers arrived, ended early. nghttp2 answers that END_STREAM with RST_STREAM
// PROTOCOL_ERROR; an error the reply still owed after its headers (gRPC-Web's trailers frame,
// Connect's end-stream message) is then lost. Prints `ok <calls>` when every call's error
// arrived whole and ended the stream before any reset with an error, else `fail <why>`. Every
// wait is bounded.
import * as http2 from "node:http2";
import { Buffer } from "node:buffer";
import process from "node:process";

const [origin, sizeArg, callsArg] = process.argv.slice(2);
const size = Number(sizeArg);
const calls = Number(callsArg);
const BOUND_MS = 10_000;
// Past the server's 1 KiB limit, so it answers before the rest would be sent.
const HEAD_BYTES = 4096;

interface Kind {
  readonly name: string;
  readonly path: string;
  readonly contentType: string;
  /** The error the reply's body must carry. */
  readonly error: RegExp;
}

const KINDS: readonly Kind[] = [
  {
    name: "gRPC-Web unary",
    path: "/helloworld.v1.Greeter/SayHello",
    contentType: "application/grpc-web+proto",
    error: /grpc-status: ?8/,
  },
  {
    name: "gRPC-Web server stream",
    path: "/helloworld.v1.Greeter/SayHelloStream",
    contentType: "application/grpc-web+proto",
    error: /grpc-status: ?8/,
  },
  {
    name: "Connect server stream",
    path: "/helloworld.v1.Greeter/SayHelloStream",
    contentType: "application/connect+proto",
    error: /"code": ?"resource_exhausted"/,
  },
];

interface Outcome {
  /** The body's bytes that arrived before the stream ended or was reset. */
  body: string;
  /** END_STREAM arrived (the reply was whole). */
  ended: boolean;
  /** RST_STREAM code the stream closed with. */
  rstCode: number;
}

function call(session: http2.ClientHttp2Session, kind: Kind): Promise<Outcome> {
  const message = Buffer.alloc(5 + size);
  message.writeUInt32BE(size, 1);
  const req = session.request({
    ":method": "POST",
    ":path": kind.path,
    "content-type": kind.contentType,
    "content-length": String(message.byteLength),
  });
  req.on("error", () => {});
  return new Promise<Outcome>((resolve, reject) => {
    const outcome: Outcome = { body: "", ended: false, rstCode: 0 };
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      req.close(http2.constants.NGHTTP2_CANCEL);
      reject(new Error(`a ${kind.name} call: nothing within ${BOUND_MS} ms`));
    }, BOUND_MS);
    req.once("response", () => {
      // What connect-go's released buffer makes Go's transport do: END_STREAM, short.
      if (!req.writableEnded) req.end();
    });
    req.on("data", (c: Buffer) => chunks.push(c));
    req.once("end", () => (outcome.ended = true));
    req.once("close", () => {
      clearTimeout(timer);
      outcome.body = Buffer.concat(chunks).toString("latin1");
      outcome.rstCode = req.rstCode ?? 0;
      resolve(outcome);
    });
    req.write(message.subarray(0, HEAD_BYTES));
  });
}

let session = http2.connect(origin);
session.on("error", () => {});
try {
  const failures: string[] = [];
  for (let i = 0; i < calls; i++) {
    const kind = KINDS[i % KINDS.length];
    if (session.closed || session.destroyed) {
      session = http2.connect(origin);
      session.on("error", () => {});
    }
    const o = await call(session, kind);
    // A reset after END_STREAM is harmless (the reply was whole); one before it is what Go's
    // transport reports as `stream error: PROTOCOL_ERROR; received from peer`.
    const reset = !o.ended && o.rstCode !== http2.constants.NGHTTP2_NO_ERROR;
    if (!kind.error.test(o.body) || reset) {
      failures.push(
        `call ${i} (${kind.name}): error ${kind.error.test(o.body) ? "arrived" : "lost"}, ` +
          `ended ${o.ended}, reset ${o.rstCode}`,
      );
    }
  }
  if (failures.length > 0) {
    throw new Error(
      `${failures.length} of ${calls} calls failed: ${failures.slice(0, 5).join("; ")}`,
    );
  }
  console.log(`ok ${calls}`);
} catch (error) {
  console.log(`fail ${error instanceof Error ? error.message : error}`);
} finally {
  session.destroy();
}
