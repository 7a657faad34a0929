// Kratos v3's HTTP ↔ gRPC table (transport/http/status), row by row, both ways.
import assert from "node:assert/strict";
import { Code } from "@connectrpc/connect";
import { fromGrpcCode, GrpcCode, toGrpcCode } from "../../errors/mod.ts";

const httpToGrpc: [number, GrpcCode][] = [
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
  [GrpcCode.FailedPrecondition, 412],
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

Deno.test("HTTP status → gRPC code, every row of Kratos v3's table", () => {
  for (const [http, grpc] of httpToGrpc) {
    assert.equal(toGrpcCode(http), grpc, `HTTP ${http}`);
  }
});

Deno.test("gRPC code → HTTP status, every row of Kratos v3's table", () => {
  for (const [grpc, http] of grpcToHttp) {
    assert.equal(fromGrpcCode(grpc), http, `gRPC ${grpc}`);
  }
  // Every code 0–16 has a row above.
  const covered = new Set(grpcToHttp.map(([g]) => g));
  for (let c = 0; c <= 16; c++) assert.ok(covered.has(c), `gRPC ${c} has a row`);
});

Deno.test("GrpcCode agrees with Connect-ES's Code numbering", () => {
  const named = Object.entries(Code).filter(([, v]) => typeof v === "number");
  assert.equal(named.length, 16);
  for (const [name, value] of named) {
    assert.equal(GrpcCode[name as keyof typeof GrpcCode], value, name);
  }
});

Deno.test("the lossless rows round-trip, the documented lossy ones do not", () => {
  const lossless = [400, 401, 403, 404, 409, 412, 429, 499, 500, 501, 503, 504];
  for (const http of lossless) assert.equal(fromGrpcCode(toGrpcCode(http)), http, `HTTP ${http}`);
  for (const http of [405, 408, 410, 422, 502]) assert.equal(fromGrpcCode(toGrpcCode(http)), 500);
  const lossy: [GrpcCode, GrpcCode][] = [
    [GrpcCode.AlreadyExists, GrpcCode.Aborted],
    [GrpcCode.OutOfRange, GrpcCode.InvalidArgument],
    [GrpcCode.Unknown, GrpcCode.Internal],
    [GrpcCode.DataLoss, GrpcCode.Internal],
  ];
  for (const [from, to] of lossy) assert.equal(toGrpcCode(fromGrpcCode(from)), to, `gRPC ${from}`);
});
