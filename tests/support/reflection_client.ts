// A grpc-js reflection client: one bidi ServerReflectionInfo stream on which each query waits
// for its answer, as grpcurl and buf curl use it.
import { create, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { fromBinary } from "@bufbuild/protobuf";
import type { FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import { grpc, grpcJsClient } from "./clients.ts";
import * as v1 from "../../internal/gen/grpc/reflection/v1/reflection_pb.ts";
import * as v1alpha from "../../internal/gen/grpc/reflection/v1alpha/reflection_pb.ts";

/** The two protocol versions the server answers. */
export const VERSIONS = { v1, v1alpha } as const;

/** A reflection response in the shape both versions share. */
export type Answer = v1.ServerReflectionResponse;

/** One open ServerReflectionInfo stream. */
export interface ReflectionSession {
  /** Sends one query and waits (bounded) for its answer. */
  ask(query: v1.ServerReflectionRequest["messageRequest"], host?: string): Promise<Answer>;
  /** Half-closes and resolves with the stream's final status. */
  end(): Promise<grpc.StatusObject>;
  /** Resolves with the stream's final status without half-closing. */
  status(): Promise<grpc.StatusObject>;
  /** Closes the channel. */
  close(): void;
}

/** Opens a reflection stream of `version` to a gRPC server at `address` (host:port). */
export function openReflection(version: keyof typeof VERSIONS, address: string): ReflectionSession {
  const service = VERSIONS[version].ServerReflection as unknown as DescService;
  const client = grpcJsClient(service, address);
  const call = (client as unknown as Record<
    string,
    (...a: unknown[]) => grpc.ClientDuplexStream<unknown, Answer>
  >)
    .serverReflectionInfo(new grpc.Metadata(), { deadline: Date.now() + 20_000 });
  const answers: Answer[] = [];
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  let ended = false;
  const status = new Promise<grpc.StatusObject>((resolve) => call.on("status", resolve));
  call.on("data", (m: Answer) => {
    answers.push(m);
    wake?.();
  });
  call.on("error", (e: Error) => {
    failure = e;
    wake?.();
  });
  call.on("end", () => {
    ended = true;
    wake?.();
  });
  return {
    async ask(query, host = "") {
      call.write(create(VERSIONS[version].ServerReflectionRequestSchema, {
        host,
        messageRequest: query as never,
      }));
      const deadline = AbortSignal.timeout(10_000);
      while (answers.length === 0) {
        if (failure) throw failure;
        if (ended) throw new Error("the reflection stream ended without an answer");
        if (deadline.aborted) throw new Error("no reflection answer within 10 s");
        await new Promise<void>((resolve) => {
          wake = resolve;
          deadline.addEventListener("abort", () => resolve(), { once: true });
        });
      }
      return answers.shift()!;
    },
    end() {
      call.end();
      return status;
    },
    status: () => status,
    close: () => client.close(),
  };
}

/** The files of a file_descriptor_response, decoded. */
export function filesOf(answer: Answer): FileDescriptorProto[] {
  if (answer.messageResponse.case !== "fileDescriptorResponse") {
    throw new Error(
      `expected files, got ${answer.messageResponse.case}: ${
        JSON.stringify(answer.messageResponse.value)
      }`,
    );
  }
  return answer.messageResponse.value.fileDescriptorProto.map((b) =>
    fromBinary(FileDescriptorProtoSchema, b)
  );
}
