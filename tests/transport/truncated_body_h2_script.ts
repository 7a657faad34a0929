// Run by unread_body_test.ts under Node:
//
//   node truncated_body_h2_script.ts <grpc-origin> <size> <calls> <path>
//
// Native gRPC unary calls whose one message is over the server's read limit, sent as Go's
// HTTP/2 transport under connect-go sends them: with a content-length, and, once the reply's
// headers arrived, ended early (connect-go releases the request's buffer when RoundTrip returns,
// and the transport's body writer then reads EOF and sends END_STREAM short of that length).
// nghttp2 answers such an END_STREAM with RST_STREAM PROTOCOL_ERROR; a status still owed to the
// client (trailers after the headers) is then lost. Prints `ok <calls>` when every call got
// RESOURCE_EXHAUSTED in a Trailers-Only response and no stream was reset with an error, else
// `fail <why>`. Every wait is bounded.
import * as http2 from "node:http2";
import { Buffer } from "node:buffer";
import process from "node:process";

const [origin, sizeArg, callsArg, path] = process.argv.slice(2);
const size = Number(sizeArg);
const calls = Number(callsArg);
const BOUND_MS = 10_000;
// Past the server's 1 KiB limit, so it answers before the rest would be sent.
const HEAD_BYTES = 4096;

interface Outcome {
  /** grpc-status of the reply, if one arrived. */
  status?: string;
  /** The status came in the reply's first HEADERS frame, which also ended the stream. */
  trailersOnly: boolean;
  /** RST_STREAM code the stream closed with. */
  rstCode: number;
}

function call(session: http2.ClientHttp2Session): Promise<Outcome> {
  const message = Buffer.alloc(5 + size);
  message.writeUInt32BE(size, 1);
  const req = session.request({
    ":method": "POST",
    ":path": path,
    "content-type": "application/grpc",
    "te": "trailers",
    "content-length": String(message.byteLength),
  });
  req.on("error", () => {});
  return new Promise<Outcome>((resolve, reject) => {
    const outcome: Outcome = { trailersOnly: false, rstCode: 0 };
    const timer = setTimeout(() => {
      req.close(http2.constants.NGHTTP2_CANCEL);
      reject(new Error(`a call: nothing within ${BOUND_MS} ms`));
    }, BOUND_MS);
    req.once("response", (headers, flags) => {
      if (headers["grpc-status"] !== undefined) {
        outcome.status = String(headers["grpc-status"]);
        outcome.trailersOnly = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
      }
      // What connect-go's released buffer makes Go's transport do: END_STREAM, short.
      if (!req.writableEnded) req.end();
    });
    req.once("trailers", (trailers) => (outcome.status ??= String(trailers["grpc-status"])));
    req.on("data", () => {});
    req.once("close", () => {
      clearTimeout(timer);
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
    if (session.closed || session.destroyed) {
      session = http2.connect(origin);
      session.on("error", () => {});
    }
    const o = await call(session);
    if (o.status !== "8" || o.rstCode !== http2.constants.NGHTTP2_NO_ERROR || !o.trailersOnly) {
      failures.push(
        `call ${i}: grpc-status ${o.status ?? "none"}, trailers-only ${o.trailersOnly}, ` +
          `reset ${o.rstCode}`,
      );
    }
  }
  if (failures.length > 0) {
    const lost = failures.filter((f) => f.includes("grpc-status none")).length;
    throw new Error(
      `${failures.length} of ${calls} calls failed, ${lost} without a status: ` +
        failures.slice(0, 5).join("; "),
    );
  }
  console.log(`ok ${calls}`);
} catch (error) {
  console.log(`fail ${error instanceof Error ? error.message : error}`);
} finally {
  session.destroy();
}
