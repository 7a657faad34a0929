// Kratos wire compatibility: on gRPC and Connect an error travels as a status whose details
// carry a google.rpc.ErrorInfo with the reason and metadata, which is what Kratos's
// Error.GRPCStatus writes and errors.FromError reads.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "../internal/gen/google/rpc/error_details_pb.ts";
import { GrpcCode, toGrpcCode } from "./codes.ts";
import { fromError } from "./convert.ts";

/** Atreus's view of a Connect-ES `ConnectError` (the value is a real `ConnectError`). */
export interface ConnectErrorLike extends Error {
  /** gRPC code. */
  readonly code: number;
  /** The message without the `[code]` prefix Connect adds to `message`. */
  readonly rawMessage: string;
  /** Headers and trailers sent with the error. */
  readonly metadata: Headers;
}

/** Options of {@linkcode toConnectError}. */
export interface ToConnectErrorOptions {
  /** `ErrorInfo.domain`, e.g. the service's DNS name; Kratos leaves it empty. */
  readonly domain?: string;
}

/**
 * Converts any error into a Connect-ES `ConnectError` carrying a `google.rpc.ErrorInfo` detail.
 * A `ConnectError` is returned unchanged (details added by other layers survive) unless it only
 * wraps an `AtreusError`, as `ConnectError.from` does: that one is converted, keeping the
 * wrapper's headers.
 */
export function toConnectError(
  err: unknown,
  options: ToConnectErrorOptions = {},
): ConnectErrorLike {
  const e = fromError(err);
  let headers: Headers | undefined;
  if (err instanceof ConnectError) {
    if (e.cause === err || err.details.length > 0) return err;
    headers = err.metadata;
  }
  const grpcCode = toGrpcCode(e.code);
  // An error cannot travel as grpc-status 0: the caller would read it as success.
  const code = grpcCode === GrpcCode.OK ? Code.Unknown : grpcCode as number as Code;
  const info = create(ErrorInfoSchema, {
    reason: e.reason,
    domain: options.domain ?? "",
    metadata: { ...e.metadata },
  });
  return new ConnectError(e.message, code, headers, [{ desc: ErrorInfoSchema, value: info }], e);
}
