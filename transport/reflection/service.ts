// grpc.reflection.v1 and v1alpha ServerReflectionInfo: one bidi stream answering queries in
// order. Both versions share the wire shape, so one session loop serves both; each answers with
// its own message types because Connect-ES creates responses from the version's schema.
import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ServerReflection as V1 } from "../../internal/gen/grpc/reflection/v1/reflection_pb.ts";
import { ServerReflection as V1Alpha } from "../../internal/gen/grpc/reflection/v1alpha/reflection_pb.ts";
import type { ServiceRegistration } from "../rpc.ts";
import { DescriptorIndex } from "./index.ts";

/** Fully-qualified names of the reflection services (v1, then v1alpha). */
export const REFLECTION_SERVICES: readonly string[] = [V1.typeName, V1Alpha.typeName];

// The request as both versions generate it (only the $typeName differs).
interface ReflectionRequest {
  readonly host: string;
  readonly messageRequest:
    | { case: "fileByFilename"; value: string }
    | { case: "fileContainingSymbol"; value: string }
    | {
      case: "fileContainingExtension";
      value: { containingType: string; extensionNumber: number };
    }
    | { case: "allExtensionNumbersOfType"; value: string }
    | { case: "listServices"; value: string }
    | { case: undefined; value?: undefined };
}

type Answer =
  | { case: "fileDescriptorResponse"; value: { fileDescriptorProto: Uint8Array[] } }
  | {
    case: "allExtensionNumbersResponse";
    value: { baseTypeName: string; extensionNumber: number[] };
  }
  | { case: "listServicesResponse"; value: { service: { name: string }[] } }
  | { case: "errorResponse"; value: { errorCode: number; errorMessage: string } };

/**
 * The v1 and v1alpha reflection services describing `served` (and themselves), ready to pass
 * in `services`. The index is built on the first query, so an unused reflection costs nothing.
 */
export function reflectionServices(
  served: readonly ServiceRegistration[],
): ServiceRegistration[] {
  let index: DescriptorIndex | undefined;
  const names = (): string[] => [
    ...served.flatMap(([s]) => typeof s?.typeName === "string" ? [s.typeName] : []),
    ...REFLECTION_SERVICES,
  ];
  const open = () =>
    index ??= new DescriptorIndex([
      ...served.flatMap(([s]) => isDescService(s) ? [s] : []),
      V1,
      V1Alpha,
    ]);
  const impl = {
    async *serverReflectionInfo(requests: AsyncIterable<ReflectionRequest>) {
      // Files this stream already carried: each is sent once per stream, as grpc-go does.
      const sent = new Set<string>();
      for await (const req of requests) {
        yield {
          validHost: req.host,
          originalRequest: req,
          messageResponse: answer(open(), names, req, sent),
        };
      }
    },
  };
  return [[V1, impl], [V1Alpha, impl]];
}

function answer(
  index: DescriptorIndex,
  names: () => string[],
  req: ReflectionRequest,
  sent: Set<string>,
): Answer {
  const q = req.messageRequest;
  switch (q.case) {
    case "listServices":
      return {
        case: "listServicesResponse",
        value: { service: names().map((name) => ({ name })) },
      };
    case "fileByFilename":
      return files(index, index.hasFile(q.value) ? q.value : undefined, sent, `file ${q.value}`);
    case "fileContainingSymbol":
      return files(index, index.fileOfSymbol(q.value), sent, `symbol ${q.value}`);
    case "fileContainingExtension": {
      const { containingType, extensionNumber } = q.value;
      return files(
        index,
        index.fileOfExtension(containingType, extensionNumber),
        sent,
        `extension ${extensionNumber} of ${containingType}`,
      );
    }
    case "allExtensionNumbersOfType": {
      const numbers = index.extensionNumbers(q.value);
      if (numbers === undefined) return notFound(`type ${q.value}`);
      return {
        case: "allExtensionNumbersResponse",
        value: { baseTypeName: q.value, extensionNumber: numbers },
      };
    }
    default:
      // Like grpc-go: a request the server cannot even classify ends the stream.
      throw new ConnectError(
        "reflection request sets none of file_by_filename, file_containing_symbol, " +
          "file_containing_extension, all_extension_numbers_of_type, list_services",
        Code.InvalidArgument,
      );
  }
}

function files(
  index: DescriptorIndex,
  file: string | undefined,
  sent: Set<string>,
  what: string,
): Answer {
  if (file === undefined) return notFound(what);
  return {
    case: "fileDescriptorResponse",
    value: { fileDescriptorProto: index.withDependencies(file, sent) },
  };
}

function notFound(what: string): Answer {
  return {
    case: "errorResponse",
    value: { errorCode: Code.NotFound, errorMessage: `${what} not found` },
  };
}

function isDescService(s: unknown): s is DescService {
  const d = s as Partial<DescService> | undefined;
  return d?.kind === "service" && typeof d.file?.proto?.name === "string";
}
