// HTTP status ↔ gRPC code, as Kratos v3's transport/http/status converter maps them. The table
// is deliberately not a bijection; the module docs of errors/mod.ts list where it loses detail.

/** gRPC status codes (the numbers of `google.rpc.Code`; Connect-ES's `Code` uses the same). */
export enum GrpcCode {
  /** Not an error. */
  OK = 0,
  /** The caller cancelled the call. */
  Canceled = 1,
  /** An error with no better code. */
  Unknown = 2,
  /** The request is invalid regardless of system state. */
  InvalidArgument = 3,
  /** The deadline expired before the call completed. */
  DeadlineExceeded = 4,
  /** The requested entity does not exist. */
  NotFound = 5,
  /** The entity to create already exists. */
  AlreadyExists = 6,
  /** The caller may not do this. */
  PermissionDenied = 7,
  /** A quota or other resource ran out. */
  ResourceExhausted = 8,
  /** The system is not in the state the call requires. */
  FailedPrecondition = 9,
  /** The call was aborted, typically by a concurrency conflict. */
  Aborted = 10,
  /** The call went past a valid range. */
  OutOfRange = 11,
  /** The call is not implemented. */
  Unimplemented = 12,
  /** An invariant of the server broke. */
  Internal = 13,
  /** The service is temporarily unavailable. */
  Unavailable = 14,
  /** Unrecoverable data loss. */
  DataLoss = 15,
  /** The caller has no valid credentials. */
  Unauthenticated = 16,
}

const httpToGrpc: ReadonlyMap<number, GrpcCode> = new Map([
  [200, GrpcCode.OK],
  [400, GrpcCode.InvalidArgument],
  [401, GrpcCode.Unauthenticated],
  [403, GrpcCode.PermissionDenied],
  [404, GrpcCode.NotFound],
  [409, GrpcCode.Aborted],
  [412, GrpcCode.FailedPrecondition],
  [429, GrpcCode.ResourceExhausted],
  [499, GrpcCode.Canceled],
  [500, GrpcCode.Internal],
  [501, GrpcCode.Unimplemented],
  [503, GrpcCode.Unavailable],
  [504, GrpcCode.DeadlineExceeded],
]);

// Indexed by gRPC code.
const grpcToHttp: readonly number[] = [
  200, // OK
  499, // Canceled (nginx's "client closed request")
  500, // Unknown
  400, // InvalidArgument
  504, // DeadlineExceeded
  404, // NotFound
  409, // AlreadyExists
  403, // PermissionDenied
  429, // ResourceExhausted
  412, // FailedPrecondition
  409, // Aborted
  400, // OutOfRange
  501, // Unimplemented
  500, // Internal
  503, // Unavailable
  500, // DataLoss
  401, // Unauthenticated
];

/** The gRPC code for an HTTP status; statuses outside Kratos's table become `Unknown`. */
export function toGrpcCode(httpStatus: number): GrpcCode {
  return httpToGrpc.get(httpStatus) ?? GrpcCode.Unknown;
}

/** The HTTP status for a gRPC code; codes outside 0–16 become 500. */
export function fromGrpcCode(grpcCode: number): number {
  return Number.isInteger(grpcCode) ? grpcToHttp[grpcCode] ?? 500 : 500;
}
