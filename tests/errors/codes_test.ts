// Kratos's HTTP ↔ gRPC tables (transport/http/status of v2.9.2 and v3.0.0), row by row, both
// ways; they differ only on 412 / FailedPrecondition.
import assert from "node:assert/strict";
import { Code } from "@connectrpc/connect";
import {
  type CodeTable,
  codeTable,
  fromGrpcCode,
  GrpcCode,
  kratosV2,
  kratosV3,
  setCodeTable,
  toGrpcCode,
} from "../../errors/mod.ts";

const tables: [CodeTable, { http412: GrpcCode; failedPrecondition: number }][] = [
  [kratosV2, { http412: GrpcCode.Unknown, failedPrecondition: 400 }],
  [kratosV3, { http412: GrpcCode.FailedPrecondition, failedPrecondition: 412 }],
];

const httpToGrpc: [number, GrpcCode][] = [
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
  // Everything else is Unknown.
  [201, GrpcCode.Unknown],
  [302, GrpcCode.Unknown],
  [405, GrpcCode.Unknown],
  [408, GrpcCode.Unknown],
  [410, GrpcCode.Unknown],
  [422, GrpcCode.Unknown],
  [502, GrpcCode.Unknown],
  [0, GrpcCode.Unknown],
  [Number.NaN, GrpcCode.Unknown],
];

const grpcToHttp: [number, number][] = [
  [GrpcCode.OK, 200],
  [GrpcCode.Canceled, 499],
  [GrpcCode.Unknown, 500],
  [GrpcCode.InvalidArgument, 400],
  [GrpcCode.DeadlineExceeded, 504],
  [GrpcCode.NotFound, 404],
  [GrpcCode.AlreadyExists, 409],
  [GrpcCode.PermissionDenied, 403],
  [GrpcCode.Unauthenticated, 401],
  [GrpcCode.ResourceExhausted, 429],
  [GrpcCode.Aborted, 409],
  [GrpcCode.OutOfRange, 400],
  [GrpcCode.Unimplemented, 501],
  [GrpcCode.Internal, 500],
  [GrpcCode.Unavailable, 503],
  [GrpcCode.DataLoss, 500],
  // Out of range: the default.
  [17, 500],
  [-1, 500],
  [1.5, 500],
];

for (const [table, differs] of tables) {
  Deno.test(`HTTP status → gRPC code, every row of the ${table.name} table`, () => {
    for (const [http, grpc] of [...httpToGrpc, [412, differs.http412] as const]) {
      assert.equal(toGrpcCode(http, table), grpc, `HTTP ${http}`);
    }
  });

  Deno.test(`gRPC code → HTTP status, every row of the ${table.name} table`, () => {
    const rows = [...grpcToHttp, [GrpcCode.FailedPrecondition, differs.failedPrecondition]];
    for (const [grpc, http] of rows) {
      assert.equal(fromGrpcCode(grpc, table), http, `gRPC ${grpc}`);
    }
    // Every code 0–16 has a row above.
    const covered = new Set(rows.map(([g]) => g));
    for (let c = 0; c <= 16; c++) assert.ok(covered.has(c), `gRPC ${c} has a row`);
  });
}

Deno.test("the process-wide table is Kratos v2's unless setCodeTable chooses v3", () => {
  assert.equal(codeTable(), kratosV2);
  assert.equal(toGrpcCode(412), GrpcCode.Unknown);
  try {
    setCodeTable("kratos-v3");
    assert.equal(codeTable(), kratosV3);
    assert.equal(toGrpcCode(412), GrpcCode.FailedPrecondition);
    assert.equal(fromGrpcCode(GrpcCode.FailedPrecondition), 412);
    assert.throws(
      () => setCodeTable("kratos-v4" as never),
      (e: Error) => e instanceof TypeError && e.message.includes('"kratos-v4"'),
    );
    assert.equal(codeTable(), kratosV3, "a bad choice changes nothing");
  } finally {
    setCodeTable("kratos-v2");
  }
});

Deno.test("GrpcCode agrees with Connect-ES's Code numbering", () => {
  const named = Object.entries(Code).filter(([, v]) => typeof v === "number");
  assert.equal(named.length, 16);
  for (const [name, value] of named) {
    assert.equal(GrpcCode[name as keyof typeof GrpcCode], value, name);
  }
});

Deno.test("the lossless rows round-trip, the documented lossy ones do not", () => {
  const lossless = [400, 401, 403, 404, 409, 429, 499, 500, 501, 503, 504];
  for (const http of lossless) assert.equal(fromGrpcCode(toGrpcCode(http)), http, `HTTP ${http}`);
  for (const http of [405, 408, 410, 412, 422, 502]) {
    assert.equal(fromGrpcCode(toGrpcCode(http)), 500, `HTTP ${http}`);
  }
  assert.equal(fromGrpcCode(toGrpcCode(412, kratosV3), kratosV3), 412);
  const lossy: [GrpcCode, GrpcCode][] = [
    [GrpcCode.AlreadyExists, GrpcCode.Aborted],
    [GrpcCode.OutOfRange, GrpcCode.InvalidArgument],
    [GrpcCode.Unknown, GrpcCode.Internal],
    [GrpcCode.DataLoss, GrpcCode.Internal],
    [GrpcCode.FailedPrecondition, GrpcCode.InvalidArgument],
  ];
  for (const [from, to] of lossy) assert.equal(toGrpcCode(fromGrpcCode(from)), to, `gRPC ${from}`);
});
