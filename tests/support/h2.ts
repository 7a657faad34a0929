// A raw HTTP/2 client (node:http2) for sending hand-made gRPC frames, including broken ones.
import * as http2 from "node:http2";
import { Buffer } from "node:buffer";

/** What came back: status, headers and trailers flattened to strings, body bytes. */
export interface H2Response {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly trailers: Record<string, string>;
  readonly body: Uint8Array;
}

/**
 * Sends one request over h2c and collects the whole response (bounded by `timeoutMs`). POST
 * unless `headers` names another `:method`; a GET sends no body.
 */
export function h2Request(
  origin: string,
  path: string,
  headers: Record<string, string>,
  body: Uint8Array,
  timeoutMs = 10_000,
): Promise<H2Response> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(origin);
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error(`h2 request to ${path} timed out`));
    }, timeoutMs);
    session.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    const get = headers[":method"] === "GET";
    const req = session.request({ ":method": "POST", ":path": path, ...headers }, {
      endStream: get,
    });
    let status = 0;
    const head: Record<string, string> = {};
    const trailers: Record<string, string> = {};
    const chunks: Buffer[] = [];
    req.on("response", (h) => {
      status = Number(h[":status"]);
      for (const [k, v] of Object.entries(h)) if (!k.startsWith(":")) head[k] = String(v);
    });
    req.on("trailers", (t) => {
      for (const [k, v] of Object.entries(t)) trailers[k] = String(v);
    });
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      clearTimeout(timer);
      session.close();
      resolve({ status, headers: head, trailers, body: new Uint8Array(Buffer.concat(chunks)) });
    });
    req.on("error", (e) => {
      clearTimeout(timer);
      session.destroy();
      reject(e);
    });
    if (!get) req.end(Buffer.from(body));
  });
}

/** Wraps a message in a gRPC length-prefixed frame. */
export function grpcFrame(message: Uint8Array, flags = 0): Uint8Array {
  const out = new Uint8Array(5 + message.length);
  out[0] = flags;
  new DataView(out.buffer).setUint32(1, message.length);
  out.set(message, 5);
  return out;
}
