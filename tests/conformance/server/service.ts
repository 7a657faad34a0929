// connectrpc.conformance.v1.ConformanceService as the suite's docs (testing_servers.md) describe
// it: every call echoes what the server observed (headers, timeout, request messages, Connect
// GET query) and answers as the request's response definition says — data, headers, trailers,
// delays, or an error with details. Unimplemented is left out on purpose: the framework must
// answer it. Written against Connect-ES's handler API, as an Atreus user writes a service.
import { create, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { type Any, anyPack } from "@bufbuild/protobuf/wkt";
import {
  type Code,
  ConnectError,
  type HandlerContext,
  type ServiceImpl,
} from "@connectrpc/connect";
import {
  BidiStreamRequestSchema,
  type BidiStreamResponse,
  ClientStreamRequestSchema,
  type ConformancePayload,
  type ConformancePayload_RequestInfo,
  ConformancePayload_RequestInfoSchema,
  type ConformanceService,
  type Error as ConformanceError,
  type Header,
  IdempotentUnaryRequestSchema,
  ServerStreamRequestSchema,
  type ServerStreamResponse,
  type StreamResponseDefinition,
  UnaryRequestSchema,
  type UnaryResponseDefinition,
} from "../gen/connectrpc/conformance/v1/service_pb.ts";

/** The types the echoed requests (`google.protobuf.Any`) may hold, for JSON. */
export const requestTypes = [
  UnaryRequestSchema,
  IdempotentUnaryRequestSchema,
  ServerStreamRequestSchema,
  ClientStreamRequestSchema,
  BidiStreamRequestSchema,
] as const;

/** The service implementation. */
export function conformanceService(): Partial<ServiceImpl<typeof ConformanceService>> {
  return {
    unary(req, ctx) {
      return unaryReply(req.responseDefinition, [pack(UnaryRequestSchema, req)], ctx);
    },
    idempotentUnary(req, ctx) {
      return unaryReply(req.responseDefinition, [pack(IdempotentUnaryRequestSchema, req)], ctx);
    },
    async clientStream(requests, ctx) {
      let definition: UnaryResponseDefinition | undefined;
      const received: Any[] = [];
      for await (const req of requests) {
        // Only the first message's definition counts.
        if (received.length === 0) definition = req.responseDefinition;
        received.push(pack(ClientStreamRequestSchema, req));
      }
      return unaryReply(definition, received, ctx);
    },
    async *serverStream(req, ctx) {
      const definition = req.responseDefinition;
      const received = [pack(ServerStreamRequestSchema, req)];
      if (definition === undefined) return;
      appendHeaders(ctx.responseHeader, definition.responseHeaders);
      appendHeaders(ctx.responseTrailer, definition.responseTrailers);
      yield* streamReplies<ServerStreamResponse>(
        definition,
        requestInfo(ctx, received),
        0,
        ctx.signal,
      );
      throwDefined(definition, requestInfo(ctx, received), definition.responseData.length);
    },
    async *bidiStream(requests, ctx) {
      let definition: StreamResponseDefinition | undefined;
      let fullDuplex = false;
      let first = true;
      let sent = 0;
      let received: Any[] = [];
      for await (const req of requests) {
        received.push(pack(BidiStreamRequestSchema, req));
        if (first) {
          first = false;
          definition = req.responseDefinition;
          fullDuplex = req.fullDuplex;
          if (definition !== undefined) {
            appendHeaders(ctx.responseHeader, definition.responseHeaders);
            appendHeaders(ctx.responseTrailer, definition.responseTrailers);
          }
        }
        if (!fullDuplex) continue;
        // Full duplex: one reply per request, each echoing the requests since the last reply.
        if (definition === undefined || sent >= definition.responseData.length) break;
        const info = sent === 0
          ? requestInfo(ctx, received)
          : create(ConformancePayload_RequestInfoSchema, { requests: received });
        await delay(definition.responseDelayMs, ctx.signal);
        yield { payload: payload(definition.responseData[sent], info) } as BidiStreamResponse;
        sent++;
        received = [];
      }
      if (definition === undefined) return;
      // Half duplex, or full duplex with more replies than requests: the rest now.
      const info = requestInfo(ctx, received);
      yield* streamReplies<BidiStreamResponse>(definition, info, sent, ctx.signal);
      throwDefined(definition, info, definition.responseData.length);
    },
  };
}

async function* streamReplies<T>(
  definition: StreamResponseDefinition,
  info: ConformancePayload_RequestInfo,
  from: number,
  signal: AbortSignal,
): AsyncGenerator<T> {
  for (let i = from; i < definition.responseData.length; i++) {
    await delay(definition.responseDelayMs, signal);
    // The request info travels in the first reply only.
    yield { payload: payload(definition.responseData[i], i === 0 ? info : undefined) } as T;
  }
}

// Throws the definition's error, with the request info as a detail when no reply carried it.
function throwDefined(
  definition: StreamResponseDefinition,
  info: ConformancePayload_RequestInfo,
  sent: number,
): void {
  if (definition.error === undefined) return;
  throw errorOf(definition.error, sent === 0 ? info : undefined);
}

async function unaryReply(
  definition: UnaryResponseDefinition | undefined,
  received: Any[],
  ctx: HandlerContext,
): Promise<{ payload: ConformancePayload }> {
  const info = requestInfo(ctx, received);
  if (definition === undefined) return { payload: payload(undefined, info) };
  appendHeaders(ctx.responseHeader, definition.responseHeaders);
  appendHeaders(ctx.responseTrailer, definition.responseTrailers);
  await delay(definition.responseDelayMs, ctx.signal);
  if (definition.response.case === "error") throw errorOf(definition.response.value, info);
  return { payload: payload(definition.response.value, info) };
}

function payload(
  data: Uint8Array | undefined,
  requestInfo: ConformancePayload_RequestInfo | undefined,
): ConformancePayload {
  return { data: data ?? new Uint8Array(0), requestInfo } as ConformancePayload;
}

function requestInfo(ctx: HandlerContext, requests: Any[]): ConformancePayload_RequestInfo {
  const timeout = ctx.timeoutMs();
  const info = create(ConformancePayload_RequestInfoSchema, {
    requestHeaders: headersOf(ctx.requestHeader),
    requests,
    timeoutMs: timeout === undefined ? undefined : BigInt(Math.max(0, Math.round(timeout))),
  });
  if (ctx.requestMethod === "GET") {
    const query = new URL(ctx.url).searchParams;
    const params = new Map<string, string[]>();
    for (const [name, value] of query) params.set(name, [...(params.get(name) ?? []), value]);
    info.connectGetInfo = {
      $typeName: "connectrpc.conformance.v1.ConformancePayload.ConnectGetInfo",
      queryParams: [...params].map(([name, value]) => header(name, value)),
    };
  }
  return info;
}

function errorOf(
  error: ConformanceError,
  info: ConformancePayload_RequestInfo | undefined,
): ConnectError {
  const details = error.details.map((any) => ({
    type: any.typeUrl.slice(any.typeUrl.lastIndexOf("/") + 1),
    value: any.value,
  }));
  if (info !== undefined) {
    details.push({
      type: ConformancePayload_RequestInfoSchema.typeName,
      value: pack(ConformancePayload_RequestInfoSchema, info).value,
    });
  }
  const connectError = new ConnectError(error.message ?? "", error.code as number as Code);
  // Details in their wire form (type name and bytes), as Connect-ES keeps received ones.
  connectError.details.push(...details);
  return connectError;
}

function headersOf(headers: Headers): Header[] {
  const out: Header[] = [];
  headers.forEach((value, name) => out.push(header(name, [value])));
  return out;
}

function header(name: string, value: string[]): Header {
  return { $typeName: "connectrpc.conformance.v1.Header", name, value } as Header;
}

function appendHeaders(target: Headers, headers: readonly Header[]): void {
  for (const h of headers) for (const v of h.value) target.append(h.name, v);
}

function pack<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): Any {
  return anyPack(schema, message);
}

// A delay that fails with the call's abort reason (deadline, client cancel) as soon as it fires.
function delay(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    function onAbort() {
      clearTimeout(timer);
      reject(signal!.reason);
    }
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
