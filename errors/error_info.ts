// Reading Kratos-compatible status errors: the gRPC code maps to the HTTP status, and the
// google.rpc.ErrorInfo detail, if any, gives the reason and metadata.
import type { ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "../internal/gen/google/rpc/error_details_pb.ts";
import { fromGrpcCode } from "./codes.ts";
import { AtreusError } from "./error.ts";

/** Reads a ConnectError into an AtreusError; undecodable details count as absent. */
export function fromConnectError(err: ConnectError): AtreusError {
  const info = err.findDetails(ErrorInfoSchema)[0];
  return new AtreusError(fromGrpcCode(err.code), info?.reason ?? "", err.rawMessage, {
    metadata: info?.metadata,
    cause: err,
  });
}
