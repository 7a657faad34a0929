// Runs one ClientCompatRequest through an Atreus client, following the suite's pseudocode for
// each stream type (docs/testing_clients.md): headers, deadline and cancellation through the
// public call options, request messages paced by request_delay_ms, and everything observed
// recorded for the runner.
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import type { CallOptions } from "../../../transport/client/mod.ts";
import type { ClientCompatRequest } from "../gen/connectrpc/conformance/v1/client_compat_pb.ts";
import { StreamType } from "../gen/connectrpc/conformance/v1/config_pb.ts";
import {
  type BidiStreamRequest,
  BidiStreamRequestSchema,
  type ClientStreamRequest,
  ClientStreamRequestSchema,
  IdempotentUnaryRequestSchema,
  ServerStreamRequestSchema,
  UnaryRequestSchema,
  UnimplementedRequestSchema,
} from "../gen/connectrpc/conformance/v1/service_pb.ts";
import type { ConformanceClient } from "./clients.ts";
import { CallResult, fromProtoHeaders } from "./results.ts";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function messages<D extends DescMessage>(req: ClientCompatRequest, schema: D): MessageShape<D>[] {
  return req.requestMessages.map((any, i) => {
    const m = anyUnpack(any, schema);
    if (m === undefined) {
      throw new Error(`request message ${i} is ${any.typeUrl}, want ${schema.typeName}`);
    }
    return m;
  });
}

function single<D extends DescMessage>(req: ClientCompatRequest, schema: D): MessageShape<D> {
  const all = messages(req, schema);
  if (all.length !== 1) throw new Error(`want exactly one request message, got ${all.length}`);
  return all[0];
}

/** When to cancel, as the suite's oneof says (no timing given: right after close-send). */
interface CancelPlan {
  beforeCloseSend: boolean;
  afterCloseSendMs?: number;
  afterNumResponses?: number;
}

function cancelPlan(req: ClientCompatRequest): CancelPlan {
  const timing = req.cancel?.cancelTiming;
  if (req.cancel === undefined) return { beforeCloseSend: false };
  switch (timing?.case) {
    case "beforeCloseSend":
      return { beforeCloseSend: true };
    case "afterNumResponses":
      return { beforeCloseSend: false, afterNumResponses: timing.value };
    case "afterCloseSendMs":
      return { beforeCloseSend: false, afterCloseSendMs: timing.value };
    default:
      return { beforeCloseSend: false, afterCloseSendMs: 0 };
  }
}

/**
 * A request stream the test writes into: `write` resolves once the transport took the message
 * (so what was never taken counts as unsent), `close` ends the stream (close-send).
 */
class RequestPipe<T> implements AsyncIterable<T> {
  readonly #queue: { value: T; taken: () => void; dropped: (e: Error) => void }[] = [];
  #closed = false;
  #ended = false;
  #wake?: () => void;

  write(value: T): Promise<void> {
    if (this.#ended) return Promise.reject(new Error("the request stream has ended"));
    return new Promise((taken, dropped) => {
      this.#queue.push({ value, taken, dropped });
      this.#wake?.();
    });
  }

  close(): void {
    this.#closed = true;
    this.#wake?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: async () => {
        for (;;) {
          const item = this.#queue.shift();
          if (item) {
            item.taken();
            return { done: false, value: item.value };
          }
          if (this.#closed || this.#ended) return { done: true, value: undefined };
          await new Promise<void>((resolve) => this.#wake = resolve);
          this.#wake = undefined;
        }
      },
      return: () => {
        this.#ended = true;
        for (const item of this.#queue.splice(0)) {
          item.dropped(new Error("the call ended before the message was sent"));
        }
        return Promise.resolve({ done: true, value: undefined });
      },
    };
  }
}

/** Runs `req` on `client` and returns what happened. */
export async function invoke(
  client: ConformanceClient,
  req: ClientCompatRequest,
): Promise<CallResult> {
  const result = new CallResult();
  const abort = new AbortController();
  const options: CallOptions = {
    headers: fromProtoHeaders(req.requestHeaders),
    signal: abort.signal,
    timeoutMs: req.timeoutMs,
    ...result.hooks,
  };
  const cancel = cancelPlan(req);
  const timers: ReturnType<typeof setTimeout>[] = [];
  const cancelLater = (ms: number) => setTimeout(() => abort.abort(), ms);
  // Settles once the call can take no more messages: cancelled, or past its deadline.
  const ended = new Promise<void>((resolve) => {
    abort.signal.addEventListener("abort", () => resolve(), { once: true });
    if (req.timeoutMs !== undefined) timers.push(setTimeout(resolve, req.timeoutMs));
  });
  try {
    switch (req.method) {
      case "Unary":
      case "IdempotentUnary":
      case "Unimplemented": {
        const call = req.method === "Unary"
          ? client.unary(single(req, UnaryRequestSchema), options)
          : req.method === "IdempotentUnary"
          ? client.idempotentUnary(single(req, IdempotentUnaryRequestSchema), options)
          : client.unimplemented(single(req, UnimplementedRequestSchema), options);
        // A unary call sends and closes at once: the cancel clock starts now.
        if (cancel.afterCloseSendMs !== undefined) {
          timers.push(cancelLater(cancel.afterCloseSendMs));
        }
        try {
          const res = await call;
          result.payload("payload" in res ? res.payload : undefined);
        } catch (e) {
          result.fail(e);
        }
        break;
      }
      case "ServerStream": {
        try {
          const stream = client.serverStream(single(req, ServerStreamRequestSchema), options);
          if (cancel.afterCloseSendMs !== undefined) {
            await sleep(cancel.afterCloseSendMs);
            abort.abort();
          }
          for await (const res of stream) {
            result.payload(res.payload);
            if (result.payloads.length === cancel.afterNumResponses) abort.abort();
          }
        } catch (e) {
          result.fail(e);
        }
        break;
      }
      case "ClientStream": {
        const all = messages(req, ClientStreamRequestSchema);
        const pipe = new RequestPipe<ClientStreamRequest>();
        const call = client.clientStream(pipe, options);
        const settled = call.then(
          (res) => result.payload(res.payload),
          (e) => result.fail(e),
        );
        const sent = await sendAll(pipe, all, req.requestDelayMs, Promise.race([settled, ended]));
        result.unsent = all.length - sent;
        if (sent === all.length) {
          if (cancel.beforeCloseSend) abort.abort();
          pipe.close();
          if (cancel.afterCloseSendMs !== undefined) {
            timers.push(cancelLater(cancel.afterCloseSendMs));
          }
        }
        await settled;
        break;
      }
      case "BidiStream": {
        const all = messages(req, BidiStreamRequestSchema);
        const pipe = new RequestPipe<BidiStreamRequest>();
        const responses = client.bidiStream(pipe, options)[Symbol.asyncIterator]();
        const fullDuplex = req.streamType === StreamType.FULL_DUPLEX_BIDI_STREAM;
        const receive = async () => {
          const r = await responses.next();
          if (r.done !== true) {
            result.payload(r.value.payload);
            if (result.payloads.length === cancel.afterNumResponses) abort.abort();
          }
          return r.done !== true;
        };
        let sent = 0;
        try {
          if (fullDuplex) {
            for (const message of all) {
              if (await sendAll(pipe, [message], req.requestDelayMs, ended) === 0) break;
              sent++;
              if (cancel.afterNumResponses === 0) abort.abort();
              await receive();
            }
          } else {
            sent = await sendAll(pipe, all, req.requestDelayMs, ended);
          }
          if (cancel.beforeCloseSend) abort.abort();
          pipe.close();
          if (cancel.afterCloseSendMs !== undefined) {
            timers.push(cancelLater(cancel.afterCloseSendMs));
          }
          if (cancel.afterNumResponses === 0) abort.abort();
          while (await receive());
        } catch (e) {
          result.fail(e);
        }
        result.unsent = all.length - sent;
        break;
      }
      default:
        throw new Error(`unknown method ${req.method}`);
    }
  } finally {
    for (const t of timers) clearTimeout(t);
  }
  return result;
}

/**
 * Writes `all` into `pipe` at the request's pace; stops early when a message is not taken
 * before `stop` settles (the call failed, was cancelled or ran out of time). Returns how many
 * the transport took.
 */
async function sendAll<T>(
  pipe: RequestPipe<T>,
  all: readonly T[],
  delayMs: number,
  stop: Promise<unknown>,
): Promise<number> {
  const stopped = stop.then(() => false, () => false);
  for (let i = 0; i < all.length; i++) {
    if (delayMs > 0 && !await Promise.race([sleep(delayMs).then(() => true), stopped])) return i;
    if (!await Promise.race([pipe.write(all[i]).then(() => true, () => false), stopped])) return i;
  }
  return all.length;
}
