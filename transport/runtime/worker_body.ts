// A Workers fetch handler whose reply comes before its request body was read whole (an early
// 415 or 405, a message over readMaxBytes): workerd's HTTP server (kj) reads at most 64 KiB of
// what the worker left unread, for at most a second once the reply is sent, and then closes the
// HTTP/1.1 connection, so a client still writing a larger or slower body sees its write fail
// (broken pipe). The worker cannot read the body afterwards either: workerd detaches it from the
// request as soon as the reply has been sent. So the worker entry reads and drops the rest of
// the body itself, within the bounds the Node listener uses (unread_body.ts), while the reply is
// still being sent: the reply's head and body go out at once, only its end waits for the client
// to finish sending. A handler cancelling the body (as Connect-ES and the unary path do on an
// over-limit message) cancels a stand-in, so the connection's body stays readable for the drop.
import { DISCARD_MAX_BYTES, DISCARD_TIMEOUT_MS } from "./unread_body.ts";

/** The most of a request body kj drops by itself after a reply (its canceledUploadGraceBytes). */
export const KJ_GRACE_BYTES = 64 * 1024;

// Statuses whose reply carries no body, so there is no end to hold back: the drop comes first.
const NULL_BODY = new Set([101, 204, 205, 304]);

/**
 * Serves `request` with `serve`, reading and dropping the part of its body the reply left
 * unread (at most `maxBytes`, within `timeoutMs`) before the reply ends, so workerd keeps the
 * HTTP/1.1 connection open. Bodies kj drops by itself (a Content-Length up to
 * {@linkcode KJ_GRACE_BYTES}) are served untouched.
 */
export async function serveDroppingUnreadBody(
  request: Request,
  serve: (request: Request) => Response | Promise<Response>,
  timeoutMs: number = DISCARD_TIMEOUT_MS,
  maxBytes: number = DISCARD_MAX_BYTES,
): Promise<Response> {
  if (request.body === null || !mayOutgrowGrace(request)) return await serve(request);
  const body = new UnreadBody(request.body, timeoutMs, maxBytes);
  let response: Response;
  try {
    response = await serve(
      new Request(request, { body: body.stream, duplex: "half" } as RequestInit),
    );
  } catch (error) {
    body.cancel();
    throw error;
  }
  if (body.finished) return response;
  if (NULL_BODY.has(response.status)) {
    await body.drop();
    return response;
  }
  return holdEnd(response, body);
}

function mayOutgrowGrace(request: Request): boolean {
  const declared = request.headers.get("content-length");
  if (declared === null) return true;
  const n = Number(declared);
  return !(Number.isSafeInteger(n) && n <= KJ_GRACE_BYTES);
}

// The request body behind the stand-in stream the handler reads.
class UnreadBody {
  readonly stream: ReadableStream<Uint8Array>;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  #finished = false;
  #dropping: Promise<void> | undefined;

  constructor(source: ReadableStream<Uint8Array>, timeoutMs: number, maxBytes: number) {
    this.#reader = source.getReader();
    this.#timeoutMs = timeoutMs;
    this.#maxBytes = maxBytes;
    this.stream = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        const { done, value } = await this.#reader.read();
        if (done) {
          this.#finished = true;
          controller.close();
        } else {
          controller.enqueue(value);
        }
      },
      // The handler is done with the body; the rest is dropped when the reply ends.
      cancel: () => {},
    }, { highWaterMark: 0 });
  }

  /** The body was read to its end. */
  get finished(): boolean {
    return this.#finished;
  }

  /** Reads and drops the rest, within the bounds; past them the body is cancelled. */
  drop(): Promise<void> {
    this.#dropping ??= this.#drop();
    return this.#dropping;
  }

  /** Gives up on the body (the connection then closes after the reply). */
  cancel(): void {
    this.#reader.cancel().catch(() => {});
  }

  async #drop(): Promise<void> {
    if (this.#finished) return;
    const timer = setTimeout(() => this.cancel(), this.#timeoutMs);
    let bytes = 0;
    try {
      for (;;) {
        const { done, value } = await this.#reader.read();
        if (done) break;
        bytes += value.byteLength;
        if (bytes > this.#maxBytes) {
          this.cancel();
          break;
        }
      }
    } catch {
      // The client went away: nothing left to keep.
    } finally {
      clearTimeout(timer);
    }
  }
}

// The same reply, its chunks passed on as they come; its end waits until the body is dropped.
function holdEnd(response: Response, body: UnreadBody): Response {
  const source = response.body?.getReader();
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (source !== undefined) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await source.read();
        } catch (error) {
          body.cancel();
          throw error;
        }
        if (!chunk.done) {
          controller.enqueue(chunk.value);
          return;
        }
      }
      await body.drop();
      controller.close();
    },
    cancel(reason) {
      source?.cancel(reason).catch(() => {});
      body.cancel();
    },
  }, { highWaterMark: 0 });
  // The reply itself as the init keeps its status, headers and (on workerd) its body encoding.
  return new Response(stream, response as ResponseInit);
}
