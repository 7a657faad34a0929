// Third-party clients the tests drive: buf curl (all three protocols) and @grpc/grpc-js.
import * as grpc from "@grpc/grpc-js";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { DescService } from "@bufbuild/protobuf";
import { Buffer } from "node:buffer";
import { run } from "./process.ts";
import { BUF, HELLO_PROTO } from "./tools.ts";

/** Outcome of one `buf curl` call: parsed JSON messages, or the error it printed. */
export interface BufCurlResult {
  readonly code: number;
  readonly messages: unknown[];
  readonly error?: { code: string; message: string };
  readonly stderr: string;
}

/** Runs `buf curl` for one RPC; `protocol` is connect | grpcweb | grpc. */
export async function bufCurl(
  protocol: "connect" | "grpcweb" | "grpc",
  url: string,
  data: unknown,
  options: { schema?: string; http2?: boolean; headers?: string[] } = {},
): Promise<BufCurlResult> {
  const args = ["curl", "--protocol", protocol, "-d", JSON.stringify(data)];
  if (options.schema !== "reflect") args.push("--schema", options.schema ?? HELLO_PROTO);
  if (options.http2) args.push("--http2-prior-knowledge");
  for (const h of options.headers ?? []) args.push("-H", h);
  args.push(url);
  const out = await run(BUF, args, { timeoutMs: 20_000 });
  const text = out.stdout.trim();
  const messages = text === "" ? [] : text.split(/\n(?=\{)/).map((m) => JSON.parse(m));
  let error: { code: string; message: string } | undefined;
  if (out.code !== 0) {
    try {
      error = JSON.parse(out.stderr);
    } catch {
      error = { code: "unparsed", message: out.stderr };
    }
  }
  return { code: out.code, messages, error, stderr: out.stderr };
}

/** A grpc-js client for one service, with protobuf-es serializers. */
export function grpcJsClient(service: DescService, address: string): grpc.Client & {
  unary(
    method: string,
    input: Record<string, unknown>,
    metadata?: grpc.Metadata,
  ): Promise<{ message: Record<string, unknown>; header: grpc.Metadata; trailer: grpc.Metadata }>;
  serverStream(method: string, input: Record<string, unknown>): Promise<Record<string, unknown>[]>;
} {
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const m of service.methods) {
    definition[m.localName] = {
      path: `/${service.typeName}/${m.name}`,
      requestStream: m.methodKind === "client_streaming" || m.methodKind === "bidi_streaming",
      responseStream: m.methodKind === "server_streaming" || m.methodKind === "bidi_streaming",
      requestSerialize: (v: unknown) => Buffer.from(toBinary(m.input, create(m.input, v as never))),
      requestDeserialize: (b: Buffer) => fromBinary(m.input, b),
      responseSerialize: (v: unknown) =>
        Buffer.from(toBinary(m.output, create(m.output, v as never))),
      responseDeserialize: (b: Buffer) => fromBinary(m.output, b),
    };
  }
  const Ctor = grpc.makeGenericClientConstructor(definition, service.name);
  const client = new Ctor(address, grpc.credentials.createInsecure()) as unknown as
    & grpc.Client
    & Record<string, (...args: unknown[]) => unknown>;
  return Object.assign(client, {
    unary(method: string, input: unknown, metadata = new grpc.Metadata()) {
      return new Promise((resolve, reject) => {
        let header = new grpc.Metadata();
        let trailer = new grpc.Metadata();
        const call = client[method](
          input,
          metadata,
          { deadline: Date.now() + 10_000 },
          (err: grpc.ServiceError | null, message: unknown) =>
            err ? reject(err) : queueMicrotask(() => resolve({ message, header, trailer })),
        ) as grpc.ClientUnaryCall;
        call.on("metadata", (m: grpc.Metadata) => (header = m));
        call.on("status", (s: grpc.StatusObject) => (trailer = s.metadata));
      });
    },
    serverStream(method: string, input: unknown) {
      return new Promise((resolve, reject) => {
        const out: unknown[] = [];
        const call = client[method](input, new grpc.Metadata(), {
          deadline: Date.now() + 10_000,
        }) as grpc.ClientReadableStream<unknown>;
        call.on("data", (m: unknown) => out.push(m));
        call.on("error", reject);
        call.on("end", () => resolve(out));
      });
    },
  }) as never;
}

export { grpc };
