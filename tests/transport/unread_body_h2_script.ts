// Run by unread_body_test.ts under Node (Deno's node:http2 client is unreliable, see README):
//
//   node unread_body_h2_script.ts <origin> <size>
//
// Over h2c, a unary request whose body is over the server's read limit: its first 4 KiB, then,
// once the whole reply arrived, the rest. Prints `ok <status>` when the rest was sent whole (no
// reset), the stream closed without an error and a second call on the same connection was
// answered, else `fail <why>`. Every wait is bounded.
import * as http2 from "node:http2";
import { Buffer } from "node:buffer";
import process from "node:process";

const [origin, sizeArg] = process.argv.slice(2);
const size = Number(sizeArg);
const BOUND_MS = 10_000;
// Past the server's 1 KiB limit, so it answers before the rest is sent.
const HEAD_BYTES = 4096;

function bounded<T>(what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${BOUND_MS} ms`)), BOUND_MS);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

const session = http2.connect(origin);
session.on("error", () => {});
try {
  // Trailers at the end: "wantTrailers" fires only once every byte of the body went out, which
  // a stream the server reset, or whose flow-control window it never reopened, does not reach.
  const req = session.request({
    ":method": "POST",
    ":path": "/helloworld.v1.Greeter/SayHello",
    "content-type": "application/proto",
  }, { waitForTrailers: true });
  req.on("error", () => {});
  const sentWhole = new Promise<void>((resolve) =>
    req.once("wantTrailers", () => {
      req.sendTrailers({ "x-end": "1" });
      resolve();
    })
  );
  const closed = new Promise<number>((resolve) => req.once("close", () => resolve(req.rstCode)));
  const reply = new Promise<{ status: number; body: string }>((resolve, reject) => {
    let status = 0;
    const chunks: Buffer[] = [];
    req.on("response", (h) => (status = Number(h[":status"])));
    req.on("data", (c: Buffer) => chunks.push(c));
    req.once("end", () => resolve({ status, body: Buffer.concat(chunks).toString() }));
    req.once("error", reject);
  });
  const body = Buffer.alloc(size);
  req.write(body.subarray(0, HEAD_BYTES));
  const first = await bounded("the reply", reply);
  if (!/larger than configured readMaxBytes/.test(first.body)) {
    throw new Error(`unexpected reply ${first.status}: ${first.body}`);
  }
  // The rest, after the reply: the server has to read it, not reset the stream.
  req.end(body.subarray(HEAD_BYTES));
  await bounded(
    "sending the rest of the body",
    Promise.race([
      sentWhole,
      closed.then(() => {
        throw new Error(
          `the stream closed (code ${req.rstCode}) before the rest of the body was sent`,
        );
      }),
    ]),
  );
  const code = await bounded("the stream's close", closed);
  if (code !== http2.constants.NGHTTP2_NO_ERROR) throw new Error(`stream reset with ${code}`);
  // The same connection serves the next call.
  const again = session.request({
    ":method": "POST",
    ":path": "/helloworld.v1.Greeter/SayHello",
    "content-type": "application/json",
  });
  again.on("error", () => {});
  const answer = new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    again.on("data", (c: Buffer) => chunks.push(c));
    again.once("end", () => resolve(Buffer.concat(chunks).toString()));
    again.once("error", reject);
  });
  again.end(JSON.stringify({ name: "again" }));
  const text = await bounded("the second call", answer);
  if (!/again/.test(text)) throw new Error(`unexpected second reply: ${text}`);
  console.log(`ok ${first.status}`);
} catch (error) {
  console.log(`fail ${error instanceof Error ? error.message : error}`);
} finally {
  session.destroy();
}
