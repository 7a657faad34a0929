// HTTP/2 response bodies read without Readable's async iterator. On Node 24.20+ and 26.3+
// (nodejs/node#65677), and on Deno 2.9, whose node:stream follows Node's, iterating a
// ClientHttp2Stream whose data was buffered before the reader got to it throws
// ERR_STREAM_PREMATURE_CLOSE although every byte and the end arrived — any gRPC stream consumer
// that awaits something between messages loses the call. connect-node iterates the stream its
// session manager hands it, so the manager here hands it streams with an event-driven iterator.
import type * as http2 from "node:http2";
import type { NodeHttpClientOptions } from "@connectrpc/connect-node";

/** What connect-node's HTTP/2 client asks of a session manager (its type is not exported). */
type NodeHttp2ClientSessionManager = ReturnType<
  NonNullable<Extract<NodeHttpClientOptions, { httpVersion: "2" }>["sessionProvider"]>
>;

/** Buffered bytes above which a response stream is paused until the reader catches up. */
const HIGH_WATER_BYTES = 64 * 1024;

/** `manager` with every stream it opens read by {@linkcode readChunks}. */
export function eventReadSessions(
  manager: NodeHttp2ClientSessionManager,
): NodeHttp2ClientSessionManager {
  return {
    get authority() {
      return manager.authority;
    },
    async request(method, path, headers, options) {
      const stream = await manager.request(method, path, headers, options);
      Object.defineProperty(stream, Symbol.asyncIterator, {
        value: () => readChunks(stream),
        configurable: true,
      });
      return stream;
    },
    notifyResponseByteRead: (stream) => manager.notifyResponseByteRead(stream),
  };
}

/**
 * The chunks of `stream` from its 'data' events: done on 'end', failed on 'error' or on a
 * 'close' that came without 'end'. Pausing above a high-water mark keeps HTTP/2 flow control
 * in charge of how much a slow reader buffers.
 */
export function readChunks(stream: http2.ClientHttp2Stream): AsyncIterator<Uint8Array> {
  const queue: Uint8Array[] = [];
  let queued = 0;
  let ended = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onData = (chunk: Uint8Array) => {
    queue.push(chunk);
    queued += chunk.byteLength;
    if (queued >= HIGH_WATER_BYTES) stream.pause();
    notify();
  };
  const onEnd = () => {
    ended = true;
    notify();
  };
  const onError = (error: unknown) => {
    failure ??= { error };
    notify();
  };
  const onClose = () => {
    if (!ended) {
      failure ??= {
        error: Object.assign(new Error("Premature close"), { code: "ERR_STREAM_PREMATURE_CLOSE" }),
      };
    }
    notify();
  };
  stream.on("data", onData).on("end", onEnd).on("error", onError).on("close", onClose);
  const detach = () => {
    stream.off("data", onData).off("end", onEnd).off("error", onError).off("close", onClose);
  };
  return {
    async next() {
      for (;;) {
        const chunk = queue.shift();
        if (chunk !== undefined) {
          queued -= chunk.byteLength;
          if (queued < HIGH_WATER_BYTES && stream.isPaused()) stream.resume();
          return { done: false, value: chunk };
        }
        if (failure !== undefined) {
          detach();
          throw failure.error;
        }
        if (ended) {
          detach();
          return { done: true, value: undefined };
        }
        await new Promise<void>((resolve) => wake = resolve);
      }
    },
    return() {
      detach();
      stream.destroy();
      return Promise.resolve({ done: true, value: undefined });
    },
  };
}
