// The per-method plan of the unary fast path, built once at server start: serializers (Connect-ES's
// own, so parse/limit errors are identical), the bound implementation, and the middleware chain
// composed around it.
import { operationOf } from "../../internal/operation.ts";
import type {
  DescMessage,
  DescMethod,
  DescService,
  JsonReadOptions,
  JsonWriteOptions,
} from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import {
  createMethodSerializationLookup,
  type MethodSerializationLookup,
} from "@connectrpc/connect/protocol";
import { createContextKey } from "../../internal/context.ts";
import type { ExpiryQueue } from "../../internal/expiry.ts";
import type { CompressionCodec } from "../compression.ts";
import { contractMethod, contractService, messageOf, serializeWith } from "../adapter.ts";
import { binaryEncoder } from "./binary.ts";
import { envelopeWith } from "./envelope.ts";
import { type GoneWatch, startWatch } from "./gone.ts";
import { type JsonReader, jsonReader, type JsonWriter, jsonWriter } from "./json.ts";
import type {
  CallRequest,
  CallResponse,
  ContextKey,
  MethodDesc,
  Middleware,
  ProtoMessage,
  ServiceDesc,
  UnaryCallRequest,
} from "../../internal/contract.ts";

/** Per-call state the final step of the chain needs to build the handler's context. */
export interface CallState extends GoneWatch {
  /** `connect`, `grpc` or `grpc-web`. */
  readonly protocolName: string;
  /** Response headers (the handler's `responseHeader`). */
  readonly header: Headers;
  /** Response trailers (the handler's `responseTrailer`). */
  readonly trailer: Headers;
  /** Remaining time, as Connect's `HandlerContext.timeoutMs()`. */
  readonly timeoutMs: () => number | undefined;
}

/** Context key of the fast path's per-call state. */
export const callStateKey: ContextKey<CallState | undefined> = createContextKey<
  CallState | undefined
>(undefined, { description: "atreus unary call state" });

/** Limits and codecs shared by every method of a server. */
export interface PlanOptions {
  /** Largest request message. */
  readonly readMaxBytes: number;
  /** Largest response message. */
  readonly writeMaxBytes: number;
  /** Compression codecs offered. */
  readonly compression: readonly CompressionCodec[];
  /** Messages below this size are not compressed (Connect-ES default 1 KiB). */
  readonly compressMinBytes: number;
  /** Server deadline of unary calls in ms (0: none). */
  readonly timeoutMs: number;
  /** Aborted when the server's stop deadline passes. */
  readonly shutdownSignal: AbortSignal;
  /** The abort controllers of calls in flight, aborted together at the stop deadline. */
  readonly calls: Set<AbortController>;
  /** How JSON requests are read (unknown fields ignored, as Connect-ES does; Any types). */
  readonly jsonRead: Partial<JsonReadOptions>;
  /** How JSON replies are written (Any types). */
  readonly jsonWrite: Partial<JsonWriteOptions>;
  /** Expiries of calls bounded by the server's own timeout, on one timer (closed at stop). */
  readonly expiries: ExpiryQueue;
}

/** Everything needed to serve one unary method without Connect-ES's pipeline. */
export interface UnaryPlan {
  /** Method descriptor. */
  readonly method: DescMethod;
  /** Service descriptor. */
  readonly service: DescService;
  /** `/pkg.Service/Method`. */
  readonly operation: string;
  /** Whether Connect GET is allowed (idempotency NO_SIDE_EFFECTS). */
  readonly allowGet: boolean;
  /** Connect-ES serializers with the server's read/write limits. */
  readonly serialization: MethodSerializationLookup<DescMessage, DescMessage>;
  /** The reply in binary (the library's errors, e.g. writeMaxBytes, are thrown as they are). */
  readonly encodeReply: (message: ProtoMessage) => Uint8Array;
  /** The reply in one uncompressed envelope, followed by `tail`, in one buffer. */
  readonly encodeEnveloped: (message: ProtoMessage, tail?: Uint8Array) => Uint8Array;
  /** The request from JSON for flat messages (`undefined`: the library reads it). */
  readonly readJson: JsonReader | undefined;
  /** The reply as JSON for flat messages (`undefined`: the library writes it). */
  readonly writeJson: JsonWriter | undefined;
  /** The middleware chain around the implementation. */
  readonly invoke: (req: UnaryCallRequest) => Promise<CallResponse>;
  /** The method as the middleware contract shows it (`CallRequest.method`). */
  readonly callMethod: MethodDesc;
  /** The service as the middleware contract shows it. */
  readonly callService: ServiceDesc;
  /** Server-wide options. */
  readonly options: PlanOptions;
}

// The handler's context. A class, not an object literal: its `signal` is a getter (it starts the
// watch for the client going away), and an object literal with an accessor is far slower to
// create than one with data properties only, while a prototype getter costs nothing per call.
class FastHandlerContext implements HandlerContext {
  readonly timeoutMs: () => number | undefined;
  readonly requestMethod: string;
  readonly requestHeader: Headers;
  readonly responseHeader: Headers;
  readonly responseTrailer: Headers;
  readonly protocolName: string;
  readonly values: HandlerContext["values"];
  readonly url: string;
  readonly #signal: AbortSignal;
  readonly #state: CallState;

  constructor(
    readonly method: DescMethod,
    readonly service: DescService,
    req: CallRequest,
    state: CallState,
  ) {
    this.#signal = req.signal;
    this.#state = state;
    this.timeoutMs = state.timeoutMs;
    this.requestMethod = req.requestMethod;
    this.requestHeader = req.header;
    this.responseHeader = state.header;
    this.responseTrailer = state.trailer;
    this.protocolName = state.protocolName;
    this.values = req.contextValues as HandlerContext["values"];
    this.url = req.url;
  }

  get signal(): AbortSignal {
    startWatch(this.#state);
    return this.#signal;
  }
}

/** Builds the plan of a unary method, or `undefined` for streaming methods. */
export function buildUnaryPlan(
  method: DescMethod,
  impl: ((req: ProtoMessage, ctx: HandlerContext) => unknown) | undefined,
  middleware: readonly Middleware[],
  options: PlanOptions,
): UnaryPlan | undefined {
  if (method.methodKind !== "unary") return undefined;
  const service = method.parent;
  const output = method.output as DescMessage;
  const call = impl ?? (() => {
    throw new ConnectError(
      `${service.typeName}.${method.name} is not implemented`,
      Code.Unimplemented,
    );
  });
  const callMethod = contractMethod(method);
  const callService = contractService(service);
  // Not async: a synchronous implementation then costs no extra turn inside the request context.
  const final = (req: CallRequest): Promise<CallResponse> => {
    const state = req.contextValues.get(callStateKey)!;
    const ctx = new FastHandlerContext(method, service, req, state);
    const respond = (result: unknown): CallResponse => ({
      stream: false,
      message: messageOf(output, result),
      method: callMethod,
      service: callService,
      header: state.header,
      trailer: state.trailer,
    });
    let result: unknown;
    try {
      result = call(req.message as ProtoMessage, ctx);
    } catch (error) {
      return Promise.reject(error);
    }
    if (result instanceof Promise) return result.then(respond);
    try {
      return Promise.resolve(respond(result));
    } catch (error) {
      return Promise.reject(error);
    }
  };
  const invoke = middleware.reduceRight<(req: CallRequest) => Promise<CallResponse>>(
    (next, m) => m(next),
    final,
  );
  const registry = options.jsonWrite.registry;
  const serialization = createMethodSerializationLookup(method, undefined, { registry }, {
    readMaxBytes: options.readMaxBytes,
    writeMaxBytes: options.writeMaxBytes,
  });
  return {
    method,
    service,
    operation: operationOf(service, method),
    allowGet: method.idempotency === 1,
    serialization,
    ...replyEncoders(output, serialization, options.writeMaxBytes),
    readJson: jsonReader(method.input, options.jsonRead),
    writeJson: jsonWriter(output, options.jsonWrite),
    invoke: invoke as (req: UnaryCallRequest) => Promise<CallResponse>,
    callMethod,
    callService,
    options,
  };
}

// The fast encoder where it covers the message, else Connect-ES's serializer (whose errors,
// such as writeMaxBytes, are then the ones the client sees).
function replyEncoders(
  output: DescMessage,
  serialization: MethodSerializationLookup<DescMessage, DescMessage>,
  writeMaxBytes: number,
): Pick<UnaryPlan, "encodeReply" | "encodeEnveloped"> {
  const fast = binaryEncoder(output);
  const library = serialization.getO(true);
  return {
    encodeReply: (message) =>
      fast?.(message, 0, undefined, writeMaxBytes) ?? serializeWith(library, message),
    encodeEnveloped: (message, tail) => {
      const out = fast?.(message, 5, tail, writeMaxBytes);
      if (out === undefined) return envelopeWith(serializeWith(library, message), 0, tail);
      const n = out.byteLength - 5 - (tail?.byteLength ?? 0);
      out[1] = n >>> 24;
      out[2] = (n >>> 16) & 0xff;
      out[3] = (n >>> 8) & 0xff;
      out[4] = n & 0xff;
      return out;
    },
  };
}
