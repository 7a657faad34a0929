// Connect unary (POST with application/json or application/proto, and GET) on the fast path.
// Requests it does not recognise exactly are left to Connect-ES (`undefined` is returned).
import { base64Decode } from "@bufbuild/protobuf/wire";
import { compressionNegotiate, mergeNonProtocolHeaders } from "@connectrpc/connect/protocol";
import {
  codeToHttpStatus,
  errorToJsonBytes,
  parseTimeout,
  trailerMux,
} from "@connectrpc/connect/protocol-connect";
import type { CompressionCodec } from "../compression.ts";
import type { MutableTransportInfo } from "../info.ts";
import type { ContextValues } from "../types.ts";
import { messageOverflow, readBody } from "./body.ts";
import { asConnectError, runUnary } from "./call.ts";
import type { UnaryPlan } from "./plan.ts";

const JSON_TYPES = new Set([
  "application/json",
  "application/json;charset=utf-8",
  "application/json; charset=utf-8",
]);
const PROTO_TYPE = "application/proto";
const encoder = new TextEncoder();

/** Per-call inputs the HTTP server supplies. */
export interface ConnectCall {
  /** The request. */
  readonly request: Request;
  /** The call's context values. */
  readonly values: ContextValues;
  /** Its transport info. */
  readonly info: MutableTransportInfo;
}

/** Serves a Connect unary call, or returns `undefined` to let Connect-ES handle the request. */
export function serveConnectUnary(
  plan: UnaryPlan,
  call: ConnectCall,
): Promise<Response> | undefined {
  const request = call.request;
  const isGet = request.method === "GET";
  let binary: boolean;
  let query: URLSearchParams | undefined;
  if (isGet) {
    if (!plan.allowGet) return undefined;
    query = new URL(request.url).searchParams;
    const encoding = query.get("encoding");
    if (encoding === "proto") binary = true;
    else if (encoding === "json") binary = false;
    else return undefined;
  } else {
    const ct = request.headers.get("content-type");
    if (ct === PROTO_TYPE) binary = true;
    else if (ct !== null && JSON_TYPES.has(ct.toLowerCase())) binary = false;
    else return undefined;
  }
  return serve(plan, call, binary, query);
}

async function serve(
  plan: UnaryPlan,
  call: ConnectCall,
  binary: boolean,
  query: URLSearchParams | undefined,
): Promise<Response> {
  const { request } = call;
  const opts = plan.options;
  const header = request.headers;
  const responseHeader = new Headers({ "content-type": binary ? PROTO_TYPE : "application/json" });
  const responseTrailer = new Headers();
  const compression = compressionNegotiate(
    opts.compression as CompressionCodec[],
    query ? query.get("compression") : header.get("content-encoding"),
    header.get("accept-encoding"),
    "accept-encoding",
  );
  let status = 200;
  let body: Uint8Array;
  let outHeader = responseHeader;
  let outTrailer = responseTrailer;
  try {
    if (compression.error) throw compression.error;
    const timeout = parseTimeout(header.get("connect-timeout-ms"), Number.MAX_SAFE_INTEGER);
    if (timeout.error) throw timeout.error;
    let bytes: Uint8Array;
    if (query) {
      const message = query.get("message") ?? "";
      bytes = query.get("base64") === "1" ? base64Decode(message) : encoder.encode(message);
    } else {
      bytes = await readBody(request, opts.readMaxBytes, messageOverflow(opts.readMaxBytes));
    }
    if (compression.request) bytes = await compression.request.decompress(bytes, opts.readMaxBytes);
    const input = plan.serialization.getI(binary).parse(bytes);
    const result = await runUnary({
      plan,
      protocolName: "connect",
      requestMethod: request.method,
      url: request.url,
      header,
      values: call.values,
      info: call.info,
      requestedTimeoutMs: timeout.timeoutMs,
      responseHeader,
      responseTrailer,
    }, input);
    outHeader = result.header;
    outTrailer = result.trailer;
    body = plan.serialization.getO(binary).serialize(result.message as never);
  } catch (e) {
    const error = asConnectError(e);
    status = codeToHttpStatus(error.code);
    outHeader.set("content-type", "application/json");
    if (!error.isWireError) mergeNonProtocolHeaders(outHeader, error.metadata);
    body = errorToJsonBytes(error, {});
  }
  if (compression.response && body.byteLength >= opts.compressMinBytes) {
    body = await compression.response.compress(body);
    outHeader.set("content-encoding", compression.response.name);
  }
  const out = trailerMux(outHeader, outTrailer);
  out.set("content-length", String(body.byteLength));
  return new Response(body as Uint8Array<ArrayBuffer>, { status, headers: out });
}
