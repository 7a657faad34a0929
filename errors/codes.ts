// HTTP status ↔ gRPC code, as Kratos's transport/http/status converters map them: v2.9.2's
// (the default) or v3.0.0's, which differ only on 412 / FailedPrecondition. Neither table is a
// bijection; the module docs of errors/mod.ts list where they lose detail.

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

/** An HTTP ↔ gRPC code table, like a Kratos `status.Converter`. */
export interface CodeTable {
  /** `"kratos-v2"` or `"kratos-v3"`. */
  readonly name: CodeTableName;
  /** The gRPC code an error with this HTTP status travels as. */
  toGrpc(httpStatus: number): GrpcCode;
  /** The HTTP status a gRPC status reads back as. */
  fromGrpc(grpcCode: number): number;
}

/** The tables Atreus knows, by the Kratos release whose converter they copy. */
export type CodeTableName = "kratos-v2" | "kratos-v3";

const common: [number, GrpcCode][] = [
  [200, GrpcCode.OK],
  [400, GrpcCode.InvalidArgument],
  [401, GrpcCode.Unauthenticated],
  [403, GrpcCode.PermissionDenied],
  [404, GrpcCode.NotFound],
  [409, GrpcCode.Aborted],
  [429, GrpcCode.ResourceExhausted],
  [499, GrpcCode.Canceled],
  [500, GrpcCode.Internal],
  [501, GrpcCode.Unimplemented],
  [503, GrpcCode.Unavailable],
  [504, GrpcCode.DeadlineExceeded],
];

// Indexed by gRPC code; FailedPrecondition is the one entry the majors disagree on.
function grpcToHttp(failedPrecondition: number): readonly number[] {
  return [
    200, // OK
    499, // Canceled (nginx's "client closed request")
    500, // Unknown
    400, // InvalidArgument
    504, // DeadlineExceeded
    404, // NotFound
    409, // AlreadyExists
    403, // PermissionDenied
    429, // ResourceExhausted
    failedPrecondition, // FailedPrecondition
    409, // Aborted
    400, // OutOfRange
    501, // Unimplemented
    500, // Internal
    503, // Unavailable
    500, // DataLoss
    401, // Unauthenticated
  ];
}

function table(name: CodeTableName, toGrpc: Map<number, GrpcCode>, fromGrpc: readonly number[]) {
  return Object.freeze({
    name,
    toGrpc: (httpStatus: number) => toGrpc.get(httpStatus) ?? GrpcCode.Unknown,
    fromGrpc: (grpcCode: number) => Number.isInteger(grpcCode) ? fromGrpc[grpcCode] ?? 500 : 500,
  });
}

/** Kratos v2.9.2: 412 is not in the table (→ Unknown) and FailedPrecondition reads as 400. */
export const kratosV2: CodeTable = table("kratos-v2", new Map(common), grpcToHttp(400));

/** Kratos v3.0.0: 412 ↔ FailedPrecondition. */
export const kratosV3: CodeTable = table(
  "kratos-v3",
  new Map([...common, [412, GrpcCode.FailedPrecondition]]),
  grpcToHttp(412),
);

// One slot per process, shared by every copy of this package in the graph, as Kratos has one
// status.DefaultConverter: a fleet runs one Kratos major.
const slot = Symbol.for("@atreus/atreus/errors.codeTable");
const global = globalThis as { [slot]?: CodeTable };

/**
 * Chooses the HTTP ↔ gRPC table for the whole process: `"kratos-v2"` (the default, matching
 * Kratos v2.9.2 peers) or `"kratos-v3"` (412 ↔ FailedPrecondition, matching v3.0.0 peers). Set
 * it once at start-up, before serving or calling. Throws a `TypeError` for anything else.
 */
export function setCodeTable(choice: CodeTableName | CodeTable): void {
  const chosen = choice === "kratos-v2"
    ? kratosV2
    : choice === "kratos-v3"
    ? kratosV3
    : choice === kratosV2 || choice === kratosV3
    ? choice
    : undefined;
  if (chosen === undefined) {
    throw new TypeError(
      `errors.setCodeTable: want "kratos-v2" or "kratos-v3", got ${JSON.stringify(choice)}`,
    );
  }
  global[slot] = chosen;
}

/** The table in force (`kratosV2` unless `setCodeTable` chose another). */
export function codeTable(): CodeTable {
  return global[slot] ?? kratosV2;
}

/** The gRPC code for an HTTP status; statuses outside the table become `Unknown`. */
export function toGrpcCode(httpStatus: number, table: CodeTable = codeTable()): GrpcCode {
  return table.toGrpc(httpStatus);
}

/** The HTTP status for a gRPC code; codes outside 0–16 become 500. */
export function fromGrpcCode(grpcCode: number, table: CodeTable = codeTable()): number {
  return table.fromGrpc(grpcCode);
}
