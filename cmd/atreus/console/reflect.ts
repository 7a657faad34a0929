// A server reflection client: asks an instance for its services and the FileDescriptorProtos
// that declare them (v1, then v1alpha for older servers), and builds a protobuf-es registry
// from them. Every round is one stream whose requests are all sent first, so it works in
// half duplex too (Connect or gRPC-Web over HTTP/1.1), not only over HTTP/2.
import { create, createFileRegistry, type FileRegistry, fromBinary } from "@bufbuild/protobuf";
import {
  type FileDescriptorProto,
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
} from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { ServerReflection as V1 } from "../../../internal/gen/grpc/reflection/v1/reflection_pb.ts";
import { ServerReflection as V1Alpha } from "../../../internal/gen/grpc/reflection/v1alpha/reflection_pb.ts";
import { type ClientProtocol, createClient } from "../../../transport/client/mod.ts";

/** What reflection told about one server. */
export interface Reflected {
  /** The services the server lists (reflection's own included). */
  readonly services: readonly string[];
  /** Every file declaring them, with their imports. */
  readonly registry: FileRegistry;
  /** `v1` or `v1alpha`. */
  readonly version: "v1" | "v1alpha";
}

type Query =
  | { case: "listServices"; value: string }
  | { case: "fileContainingSymbol"; value: string }
  | { case: "fileByFilename"; value: string };

interface Answer {
  messageResponse:
    | { case: "fileDescriptorResponse"; value: { fileDescriptorProto: Uint8Array[] } }
    | { case: "listServicesResponse"; value: { service: { name: string }[] } }
    | { case: "errorResponse"; value: { errorCode: number; errorMessage: string } }
    | { case: string | undefined; value?: unknown };
}

// How many rounds of "fetch the imports we still lack" before giving up on a broken server.
const MAX_ROUNDS = 8;

/**
 * Reflects the server at `endpoint` (`grpc://` with protocol `grpc`, `http://` with `connect`
 * or `grpc-web`); rejects with the ConnectError of the call, or an Error naming a file the
 * server did not send.
 */
export async function reflect(
  endpoint: string,
  protocol: ClientProtocol,
  timeoutMs: number,
): Promise<Reflected> {
  try {
    return await reflectWith("v1", endpoint, protocol, timeoutMs);
  } catch (error) {
    // Servers older than grpc.reflection.v1 (grpc-go before 1.57, many tools) serve v1alpha.
    if (!(error instanceof ConnectError) || error.code !== Code.Unimplemented) throw error;
    return await reflectWith("v1alpha", endpoint, protocol, timeoutMs);
  }
}

async function reflectWith(
  version: "v1" | "v1alpha",
  endpoint: string,
  protocol: ClientProtocol,
  timeoutMs: number,
): Promise<Reflected> {
  const service = version === "v1" ? V1 : V1Alpha;
  const client = createClient(service, { endpoint, protocol, timeout: timeoutMs });
  const deadline = Date.now() + timeoutMs;
  const ask = async (queries: Query[]): Promise<Answer[]> => {
    async function* requests() {
      for (const messageRequest of queries) yield { host: "", messageRequest };
    }
    const answers: Answer[] = [];
    const left = Math.max(1, deadline - Date.now());
    for await (const res of client.serverReflectionInfo(requests(), { timeoutMs: left })) {
      answers.push(res as Answer);
    }
    return answers;
  };
  try {
    const [listing] = await ask([{ case: "listServices", value: "" }]);
    const services = listing?.messageResponse.case === "listServicesResponse"
      ? (listing.messageResponse.value as { service: { name: string }[] }).service.map((s) =>
        s.name
      )
      : [];
    if (listing?.messageResponse.case === "errorResponse") {
      throw new Error(`reflection: list_services failed: ${errorText(listing)}`);
    }
    const files = new Map<string, FileDescriptorProto>();
    const take = (answers: Answer[], what: string[]) => {
      answers.forEach((answer, i) => {
        const r = answer.messageResponse;
        if (r.case === "fileDescriptorResponse") {
          for (
            const bytes of (r.value as { fileDescriptorProto: Uint8Array[] }).fileDescriptorProto
          ) {
            const file = fromBinary(FileDescriptorProtoSchema, bytes);
            if (!files.has(file.name)) files.set(file.name, file);
          }
        } else if (r.case === "errorResponse") {
          throw new Error(`reflection: ${what[i] ?? "a query"} failed: ${errorText(answer)}`);
        }
      });
    };
    const symbols = services.filter((s) => s !== V1.typeName && s !== V1Alpha.typeName);
    take(
      await ask(symbols.map((value) => ({ case: "fileContainingSymbol", value }))),
      symbols.map((s) => `symbol ${s}`),
    );
    for (let round = 0;; round++) {
      const missing = [...new Set([...files.values()].flatMap((f) => f.dependency))]
        .filter((name) => !files.has(name));
      if (missing.length === 0) break;
      if (round === MAX_ROUNDS) {
        throw new Error(`reflection: the server never sent ${missing.join(", ")}`);
      }
      take(
        await ask(missing.map((value) => ({ case: "fileByFilename", value }))),
        missing.map((f) => `file ${f}`),
      );
    }
    return { services, registry: registryOf(files), version };
  } finally {
    await client.close();
  }
}

function errorText(answer: Answer): string {
  const v = answer.messageResponse.value as { errorCode: number; errorMessage: string };
  return `${Code[v.errorCode] ?? v.errorCode}: ${v.errorMessage}`;
}

/** A registry of `files`, added imports first as protobuf-es needs them. */
export function registryOf(files: ReadonlyMap<string, FileDescriptorProto>): FileRegistry {
  const ordered: FileDescriptorProto[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string, from: string) => {
    const file = files.get(name);
    if (file === undefined) {
      throw new Error(`reflection: ${from} imports ${name}, which is missing`);
    }
    const s = state.get(name);
    if (s === "done") return;
    if (s === "visiting") throw new Error(`reflection: import cycle through ${name}`);
    state.set(name, "visiting");
    for (const dep of file.dependency) visit(dep, name);
    state.set(name, "done");
    ordered.push(file);
  };
  for (const name of [...files.keys()].sort()) visit(name, name);
  return createFileRegistry(create(FileDescriptorSetSchema, { file: ordered }));
}
