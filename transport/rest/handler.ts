// Serving one REST binding: bind the request, run the RPC through the server's middleware (kind
// "http", the RPC's operation), and answer with protojson — or, for server streams, with
// Server-Sent Events or NDJSON. Errors are Kratos bodies `{code, reason, message, metadata}` with
// the mapped HTTP status.
import type { JsonReadOptions, JsonValue, JsonWriteOptions } from "@bufbuild/protobuf";
import { createHandlerContext } from "@connectrpc/connect";
import { createAsyncIterable, transformInvokeImplementation } from "@connectrpc/connect/protocol";
import { type ErrorBody, fromError, toJson as errorJson } from "../../errors/mod.ts";
import { connectValues, jsonValueOf } from "../adapter.ts";
import { bindIterable, type ContextValues, runWithValues } from "../../internal/context.ts";
import type { InFlight } from "../drain.ts";
import type { MutableTransportInfo } from "../info.ts";
import type { RpcRoute } from "../rpc.ts";
import type { ProtoMessage } from "../../internal/contract.ts";
import { messageOverflow, readBody } from "../fastpath/body.ts";
import { runUnary } from "../fastpath/call.ts";
import { bindRequest } from "./bind.ts";
import { negotiate } from "./negotiate.ts";
import type { Binding } from "./rule.ts";

/** JSON output options of REST responses. */
export interface RestJsonOptions {
  /** Use proto field names (`user_name`) instead of JSON names (`userName`). */
  readonly useProtoFieldName?: boolean;
  /** Emit fields with default values (`0`, `""`, `false`, empty lists). */
  readonly emitDefaults?: boolean;
}

/** What the HTTP server lends the REST handler for one call. */
export interface RestCall {
  /** The request. */
  readonly request: Request;
  /** Hono's decoded route parameters. */
  readonly params: Readonly<Record<string, string>>;
  /** The call's context values. */
  readonly values: ContextValues;
  /** Its transport info (kind `http`); `replyHeader` becomes the response headers. */
  readonly info: MutableTransportInfo;
}

/** Server-wide pieces the REST handler needs. */
export interface RestHost {
  /** In-flight accounting of the server. */
  readonly inflight: InFlight;
  /** Aborted at the server's stop deadline. */
  readonly shutdownSignal: AbortSignal;
  /** Largest request body. */
  readonly readMaxBytes: number;
  /** JSON output options. */
  readonly json: RestJsonOptions;
  /** How request bodies are read (unknown fields ignored; the server's `jsonTypes`). */
  readonly jsonRead: Partial<JsonReadOptions>;
  /** How replies are written (`json` turned into protobuf-es options, once). */
  readonly jsonWrite: Partial<JsonWriteOptions>;
}

const JSON_TYPE = "application/json";
// Kratos v3's generated HTTP clients send and accept "application/protojson" (its codec for
// proto messages): the same JSON, answered under the name the client asked for.
const PROTOJSON = "application/protojson";
const NDJSON = "application/x-ndjson";
const SSE = "text/event-stream";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Serves a REST call of `binding` (the server has counted it in flight). */
export async function serveRest(
  host: RestHost,
  route: RpcRoute,
  binding: Binding,
  call: RestCall,
): Promise<Response> {
  const { request, info } = call;
  const streaming = route.method.methodKind === "server_streaming";
  const media = negotiate(
    request.headers.get("accept"),
    streaming ? [NDJSON, SSE, JSON_TYPE] : [JSON_TYPE, PROTOJSON],
  );
  if (media === undefined) {
    return errorResponse(info.replyHeader, {
      code: 406,
      reason: "NOT_ACCEPTABLE",
      message: `cannot answer ${route.operation} in any type the Accept header allows (${
        request.headers.get("accept")
      }); it answers ${streaming ? `${NDJSON} or ${SSE}` : JSON_TYPE}`,
      metadata: {},
    });
  }
  try {
    let body: string | undefined;
    if (binding.body !== "") {
      const bytes = await readBody(request, host.readMaxBytes, messageOverflow(host.readMaxBytes));
      body = decoder.decode(bytes);
    }
    const query = request.url.includes("?") ? new URL(request.url).searchParams : undefined;
    const input = bindRequest(binding, call.params, query, body, host.jsonRead);
    if (streaming) return await serveStream(host, route, binding, call, input, media);
    const plan = route.plan!;
    const result = await runUnary({
      plan,
      protocolName: "http",
      requestMethod: request.method,
      url: request.url,
      header: request.headers,
      values: call.values,
      info,
      requestedTimeoutMs: undefined,
      responseHeader: info.replyHeader,
    }, input);
    const headers = result.header;
    result.trailer.forEach((value, key) => headers.append(key, value));
    headers.set("content-type", media);
    return new Response(JSON.stringify(output(host, binding, result.message)), {
      status: 200,
      headers,
    });
  } catch (error) {
    const e = fromError(error);
    return errorResponse(info.replyHeader, errorJson(e), e.code, media);
  }
}

function output(host: RestHost, binding: Binding, message: ProtoMessage): JsonValue {
  const json = jsonValueOf(binding.method.output, message, host.jsonWrite);
  const field = binding.responseField;
  if (field === undefined) return json;
  const key = host.json.useProtoFieldName ? field.name : field.jsonName;
  return (json as Record<string, JsonValue>)[key] ?? null;
}

function errorResponse(
  headers: Headers,
  body: ErrorBody,
  status = body.code,
  media = JSON_TYPE,
): Response {
  headers.set("content-type", media === PROTOJSON ? PROTOJSON : JSON_TYPE);
  return new Response(JSON.stringify(body), { status, headers });
}

async function serveStream(
  host: RestHost,
  route: RpcRoute,
  binding: Binding,
  call: RestCall,
  input: ProtoMessage,
  media: string,
): Promise<Response> {
  const { request, info, values } = call;
  const context = createHandlerContext({
    service: route.service,
    method: route.method,
    protocolName: "http",
    requestMethod: request.method,
    url: request.url,
    shutdownSignal: host.shutdownSignal,
    requestHeader: request.headers,
    contextValues: connectValues(values),
  });
  info.replyHeader = context.responseHeader;
  const source = runWithValues(
    values,
    () =>
      transformInvokeImplementation(route.spec, context, [...route.interceptors])(
        createAsyncIterable([input]),
      ),
  );
  const it = bindIterable(values, source as AsyncIterable<ProtoMessage>)[Symbol.asyncIterator]();
  // The first message (or error) arrives before the status line is committed, so an error that
  // precedes any output is an ordinary error response.
  const first = await it.next();
  const sse = media === SSE;
  const headers = context.responseHeader;
  headers.set("content-type", sse ? SSE : NDJSON);
  if (sse) headers.set("cache-control", "no-cache");
  const frame = (json: unknown, event?: string) =>
    encoder.encode(
      sse
        ? `${event ? `event: ${event}\n` : ""}data: ${JSON.stringify(json)}\n\n`
        : `${JSON.stringify(json)}\n`,
    );
  let pending: IteratorResult<ProtoMessage> | undefined = first;
  host.inflight.enter();
  let open = true;
  const finish = () => {
    if (open) {
      open = false;
      host.inflight.leave();
    }
  };
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const step = pending ?? await it.next();
        pending = undefined;
        if (step.done) {
          finish();
          controller.close();
          return;
        }
        controller.enqueue(frame(output(host, binding, step.value)));
      } catch (error) {
        const e = errorJson(fromError(error));
        controller.enqueue(sse ? frame(e, "error") : frame({ error: e }));
        finish();
        controller.close();
      }
    },
    async cancel() {
      finish();
      await it.return?.();
    },
  });
  return new Response(stream, { status: 200, headers });
}
