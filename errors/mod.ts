/**
 * Errors in Kratos's model: an HTTP status `code`, a machine-readable `reason` (usually an enum
 * value name from a proto, see `protoc-gen-atreus-errors`), a `message` and string `metadata`,
 * wire-compatible with Go Kratos services.
 *
 * - On gRPC, gRPC-Web and Connect an error travels as a status with the gRPC code mapped from
 *   `code` and a `google.rpc.ErrorInfo` detail holding `reason` and `metadata`
 *   ({@linkcode toConnectError}); {@linkcode fromError} reads it back, from Atreus, Connect or
 *   Kratos peers alike.
 * - On REST the body is `{code, reason, message, metadata}` ({@linkcode toJson},
 *   {@linkcode fromJson}) and the HTTP status is `code`.
 * - `errors.proto` (shipped next to this module) holds Kratos's enum options `default_code`
 *   (1108) and `code` (1109), so one proto drives the Go and the TypeScript generators.
 *
 * HTTP ↔ gRPC codes follow Kratos's table ({@linkcode toGrpcCode}, {@linkcode fromGrpcCode}) for
 * the major a fleet runs: {@linkcode kratosV2} (v2.9.2, the default) or {@linkcode kratosV3}
 * (v3.0.0), chosen once per process with {@linkcode setCodeTable}. They differ only on 412:
 *
 * | HTTP | gRPC | back to HTTP |
 * |---|---|---|
 * | 400 | InvalidArgument | 400 |
 * | 401 | Unauthenticated | 401 |
 * | 403 | PermissionDenied | 403 |
 * | 404 | NotFound | 404 |
 * | 409 | Aborted | 409 |
 * | 412 | v2: Unknown; v3: FailedPrecondition | v2: 500; v3: 412 |
 * | 429 | ResourceExhausted | 429 |
 * | 499 | Canceled | 499 |
 * | 500 | Internal | 500 |
 * | 501 | Unimplemented | 501 |
 * | 503 | Unavailable | 503 |
 * | 504 | DeadlineExceeded | 504 |
 * | any other | Unknown | **500** |
 *
 * The mapping loses detail where it is not one-to-one:
 * - Over gRPC/Connect only the gRPC code travels, so a status outside the table (405, 408, 410,
 *   422, 502, …) arrives as 500; `reason`, `message` and `metadata` survive unchanged, so match
 *   on `reason`.
 * - gRPC codes with no status of their own collapse: AlreadyExists → 409 (→ Aborted on the way
 *   back), OutOfRange → 400 (→ InvalidArgument), Unknown and DataLoss → 500 (→ Internal);
 *   with v2's table FailedPrecondition → 400 (→ InvalidArgument) too.
 * - An error whose code is 200 (gRPC OK) is sent as Unknown, since status 0 reads as success.
 *
 * @example
 * ```ts
 * import { fromError, is, notFound } from "@atreus/atreus/errors";
 * const err = notFound("USER_NOT_FOUND", "user 42 not found").withMetadata({ id: "42" });
 * is(err, notFound("USER_NOT_FOUND", "")); // true: code and reason match
 * fromError(new Error("boom")).code; // 500
 * ```
 * @module
 */
export {
  AtreusError,
  type AtreusErrorOptions,
  badRequest,
  clientClosed,
  conflict,
  type ErrorMetadata,
  forbidden,
  gatewayTimeout,
  internal,
  isAtreusError,
  newError,
  notFound,
  serviceUnavailable,
  tooManyRequests,
  unauthorized,
} from "./error.ts";
export { code, fromError, is, reason } from "./convert.ts";
export {
  type CodeTable,
  codeTable,
  type CodeTableName,
  fromGrpcCode,
  GrpcCode,
  kratosV2,
  kratosV3,
  setCodeTable,
  toGrpcCode,
} from "./codes.ts";
export { type ConnectErrorLike, toConnectError, type ToConnectErrorOptions } from "./connect.ts";
export { type ErrorBody, fromJson, toJson } from "./json.ts";
