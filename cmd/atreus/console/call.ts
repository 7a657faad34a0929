// "Try a call": one request (or a stream of them) to one chosen instance, built as dynamic
// messages from the descriptors that instance's reflection gave, sent with Atreus's own client
// (Connect-ES transports: gRPC over node:http2, Connect and gRPC-Web over fetch). Reports the
// response headers, each response message as it arrives, then the status with the Kratos
// reason, error details, trailers and the latency.
import {
  createRegistry,
  type DescMethod,
  type DescService,
  type FileRegistry,
  fromBinary,
  fromJson,
  type JsonValue,
  type Message,
  type Registry,
  toJson,
} from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { fromError } from "../../../errors/mod.ts";
import { file_google_rpc_error_details } from "../../../internal/gen/google/rpc/error_details_pb.ts";
import { createClient } from "../../../transport/client/mod.ts";
import type { CallEvent, CallRequestBody } from "./protocol.ts";

/** A request the console refuses before calling anything (answered with 400). */
export class BadCallError extends Error {
  /** `message` names the problem. */
  constructor(message: string) {
    super(message);
    this.name = "BadCallError";
  }
}

/** A call checked against the descriptors, ready to send. */
export interface PreparedCall {
  /** The method. */
  readonly method: DescMethod;
  /** Request messages (one unless the method streams requests). */
  readonly requests: Message[];
  /** Request headers. */
  readonly headers: Headers;
  /** Types for JSON and error details. */
  readonly types: Registry;
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Headers the transport owns; a user who sets them would only break the call.
const RESERVED = /^(content-type|content-length|te|host|connection|grpc-.*|connect-.*|:.*)$/i;

/** Checks `body` against `registry` and builds the messages and headers; throws BadCallError. */
export function prepareCall(registry: FileRegistry, body: CallRequestBody): PreparedCall {
  const m = /^\/([^/]+)\/([^/]+)$/.exec(body.method ?? "");
  if (m === null) {
    throw new BadCallError(`method ${JSON.stringify(body.method)} is not /pkg.Service/Method`);
  }
  const service: DescService | undefined = registry.getService(m[1]);
  if (service === undefined) throw new BadCallError(`the instance does not serve ${m[1]}`);
  const method = service.methods.find((x) => x.name === m[2]);
  if (method === undefined) throw new BadCallError(`${m[1]} has no method ${m[2]}`);
  const types = createRegistry(registry, file_google_rpc_error_details);
  let json: unknown;
  try {
    json = JSON.parse(body.body);
  } catch (e) {
    throw new BadCallError(`the request is not JSON: ${(e as Error).message}`);
  }
  const many = method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming";
  if (many && !Array.isArray(json)) {
    throw new BadCallError(
      `${method.name} streams requests: give a JSON array of ${method.input.typeName}`,
    );
  }
  const values = many ? json as unknown[] : [json];
  const requests = values.map((value, i) => {
    try {
      return fromJson(method.input, value as JsonValue, { registry: types });
    } catch (e) {
      const where = many ? ` (request ${i + 1})` : "";
      throw new BadCallError(`${method.input.typeName}${where}: ${(e as Error).message}`);
    }
  });
  const headers = new Headers();
  for (const pair of body.metadata ?? []) {
    const [key, value] = pair;
    if (typeof key !== "string" || !HEADER_NAME.test(key)) {
      throw new BadCallError(`metadata key ${JSON.stringify(key)} is not a header name`);
    }
    if (RESERVED.test(key)) throw new BadCallError(`metadata key ${key} is set by the protocol`);
    if (typeof value !== "string" || /[\r\n\0]/.test(value)) {
      throw new BadCallError(`metadata ${key} must be a single-line string`);
    }
    headers.append(key, value);
  }
  return { method, requests, headers, types };
}

/** The gRPC name of a code: `NOT_FOUND` for Code.NotFound. */
export function codeName(code: Code): string {
  return (Code[code] ?? String(code)).replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}

function pairs(headers: Headers | undefined): [string, string][] {
  return headers === undefined ? [] : [...headers];
}

/** Sends `call` to `endpoint`, yielding what happens (see CallEvent). */
export async function* runCall(
  call: PreparedCall,
  endpoint: string,
  protocol: "grpc" | "connect" | "grpc-web",
  timeoutMs: number,
  signal: AbortSignal,
): AsyncGenerator<CallEvent> {
  const { method, requests, headers, types } = call;
  const client = createClient(method.parent, {
    endpoint,
    protocol,
    timeout: timeoutMs,
  }) as unknown as
    & Record<string, (req: unknown, opts: unknown) => unknown>
    & AsyncDisposable;
  const fn = client[method.localName];
  const started = performance.now();
  const at = () => Math.round((performance.now() - started) * 100) / 100;
  const queue: CallEvent[] = [];
  let trailers: Headers | undefined;
  const options = {
    headers,
    timeoutMs,
    signal,
    onHeader: (h: Headers) => queue.push({ type: "headers", headers: pairs(h) }),
    onTrailer: (t: Headers) => trailers = t,
  };
  const encode = (m: Message) => toJson(method.output, m, { registry: types });
  let count = 0;
  try {
    const input = async function* () {
      yield* requests;
    };
    const argument =
      method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming"
        ? input()
        : requests[0];
    if (method.methodKind === "unary" || method.methodKind === "client_streaming") {
      const reply = await (fn(argument, options) as Promise<Message>);
      yield* queue.splice(0);
      count++;
      yield { type: "message", json: encode(reply), atMs: at() };
    } else {
      for await (const reply of fn(argument, options) as AsyncIterable<Message>) {
        yield* queue.splice(0);
        count++;
        yield { type: "message", json: encode(reply), atMs: at() };
      }
    }
    yield* queue.splice(0);
    yield { type: "end", code: "OK", trailers: pairs(trailers), latencyMs: at(), messages: count };
  } catch (error) {
    yield* queue.splice(0);
    const latencyMs = at();
    const connect = ConnectError.from(error);
    const atreus = fromError(error);
    const details = connect.details.map((detail) => {
      if (!("type" in detail) || !(detail.value instanceof Uint8Array)) return {};
      const d = detail as { type: string; value: Uint8Array; debug?: unknown };
      const desc = types.getMessage(d.type);
      if (desc === undefined) return d.debug ?? { type: d.type };
      try {
        return {
          "@type": `type.googleapis.com/${d.type}`,
          ...toJson(desc, fromBinary(desc, d.value), { registry: types }) as object,
        };
      } catch {
        return { type: d.type };
      }
    });
    yield {
      type: "end",
      code: codeName(connect.code),
      ...(atreus.reason ? { reason: atreus.reason } : {}),
      message: connect.rawMessage,
      ...(details.length > 0 ? { details } : {}),
      trailers: [...pairs(trailers), ...pairs(connect.metadata)],
      latencyMs,
      messages: count,
    };
  } finally {
    // Not client.close(): a service with an RPC named close would get its RPC called.
    await client[Symbol.asyncDispose]();
  }
}
