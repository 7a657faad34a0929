// An HTTP/2 reply that leaves in one write when it is short: head, body and END_STREAM together.
//
// Go's HTTP/2 transport under connect-go ends an over-limit request's body short of its
// content-length as soon as the reply's headers arrive; nghttp2 answers that with RST_STREAM
// PROTOCOL_ERROR, and whatever the reply had not sent by then is lost. Two things split an
// error reply (gRPC-Web's trailers frame, Connect's end-stream message) over several writes.
// node:http2's compat response asks for trailers on every reply, so END_STREAM waits for the
// last DATA frame to go out and then follows in a frame of its own: the reset lands before it
// and the client sees the stream reset, not ended. And @hono/node-server writes a streamed
// body's head at once (writeHead, then flushHeaders when no chunk was ready yet), which the
// compat response sends as HEADERS right away. So the head is held until the first chunk or the
// next turn of the event loop, a chunk until the end or that next turn, and the last DATA frame
// ends the stream.
import type * as http2 from "node:http2";

type Chunk = [chunk: unknown, encoding: unknown, cb: unknown];

/**
 * Holds `res`'s head and first chunks until the end or the next turn of the event loop; the last
 * DATA frame ends the stream.
 */
export function holdHead(res: http2.Http2ServerResponse): void {
  const r = res as unknown as Record<string, (...args: unknown[]) => unknown>;
  const writeHead = r.writeHead.bind(res);
  const flushHeaders = r.flushHeaders.bind(res);
  const write = r.write.bind(res);
  const end = r.end.bind(res);
  let head: unknown[] | undefined;
  let held: Chunk[] = [];
  let timer: ReturnType<typeof setImmediate> | undefined;
  const release = () => {
    if (timer !== undefined) clearImmediate(timer);
    timer = undefined;
    const args = head;
    head = undefined;
    if (args !== undefined) writeHead(...args);
    const chunks = held;
    held = [];
    for (const [chunk, encoding, cb] of chunks) write(chunk, encoding, cb);
  };
  r.writeHead = (...args: unknown[]) => {
    // A second head (an error handler's 500 after a failed body) replaces one not yet sent.
    if (res.headersSent) return writeHead(...args);
    head = args;
    return res;
  };
  // Held for this turn only: a stream whose handler waits before its first message still
  // shows its head to a client that waits for it before sending.
  r.flushHeaders = () => {
    if (head === undefined) flushHeaders();
    else timer ??= setImmediate(release);
  };
  r.write = (chunk: unknown, encoding?: unknown, cb?: unknown) => {
    if (head === undefined && held.length === 0) return write(chunk, encoding, cb);
    held.push([chunk, encoding, cb]);
    timer ??= setImmediate(release);
    return true;
  };
  r.end = (chunk?: unknown, encoding?: unknown, cb?: unknown) => {
    release();
    return end(chunk, encoding, cb);
  };
  // The compat response asks for trailers on every reply, which puts END_STREAM in a frame of
  // its own, sent once the last DATA frame went out; a fetch Response has no trailers to send
  // (@hono/node-server never adds any), so the last DATA frame ends the stream.
  const stream = res.stream;
  const respond = stream.respond.bind(stream);
  stream.respond = (headers, options) => respond(headers, { ...options, waitForTrailers: false });
  // A stream closed under a held head: nothing is left to send.
  stream.once("close", () => {
    if (timer !== undefined) clearImmediate(timer);
    timer = undefined;
  });
}
