// Kratos wire compatibility: errors become gRPC statuses with a google.rpc.ErrorInfo detail,
// serialised with Connect-ES's own gRPC trailer code, and decode back; statuses written the way a
// Go Kratos server writes them decode too.
import assert from "node:assert/strict";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { anyPack, anyUnpack, DurationSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, decodeBinaryHeader, encodeBinaryHeader } from "@connectrpc/connect";
import { findTrailerError, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import {
  type AtreusError,
  badRequest,
  clientClosed,
  conflict,
  fromError,
  gatewayTimeout,
  internal,
  is,
  newError,
  notFound,
  serviceUnavailable,
  toConnectError,
  tooManyRequests,
  unauthorized,
} from "../../errors/mod.ts";
import {
  ErrorInfoSchema,
  RetryInfoSchema,
} from "../../internal/gen/google/rpc/error_details_pb.ts";
import { StatusSchema } from "../../internal/gen/google/rpc/status_pb.ts";

// Through the trailers a gRPC response ends with, and back as the client reads them.
function overTheWire(err: unknown): ConnectError {
  const trailer = setTrailerStatus(new Headers(), toConnectError(err) as ConnectError);
  const received = findTrailerError(new Headers(trailer));
  assert.ok(received, "an error status was written");
  return received;
}

Deno.test("errors round-trip through gRPC trailers with reason and metadata", () => {
  const cases: [AtreusError, Code, number][] = [
    [badRequest("BAD_NAME", "name is empty"), Code.InvalidArgument, 400],
    [unauthorized("NO_TOKEN", "token missing"), Code.Unauthenticated, 401],
    [notFound("USER_NOT_FOUND", "user 42 not found"), Code.NotFound, 404],
    [conflict("TAKEN", "name taken"), Code.Aborted, 409],
    // Kratos v2's table (the default) has no row for 412; v3's maps it to FailedPrecondition.
    [newError(412, "STALE", "etag mismatch"), Code.Unknown, 500],
    [tooManyRequests("RATELIMIT", "slow down"), Code.ResourceExhausted, 429],
    [clientClosed("GONE", "client went away"), Code.Canceled, 499],
    [internal("BUG", "invariant broken"), Code.Internal, 500],
    [serviceUnavailable("DRAINING", "shutting down"), Code.Unavailable, 503],
    [gatewayTimeout("SLOW_DB", "db timed out"), Code.DeadlineExceeded, 504],
    // Lossy: no gRPC code of its own, so the status comes back as 500; the reason survives.
    [newError(422, "UNPROCESSABLE", "cannot"), Code.Unknown, 500],
  ];
  for (const [sent, grpcCode, status] of cases) {
    const md = { user: "42", "x-trace": "a b=c", empty: "" };
    const withMd = sent.withMetadata(md);
    const wire = overTheWire(withMd);
    assert.equal(wire.code, grpcCode, sent.reason);
    const got = fromError(wire);
    assert.equal(got.code, status, sent.reason);
    assert.equal(got.reason, sent.reason);
    assert.equal(got.message, sent.message);
    assert.deepEqual(got.metadata, md, sent.reason);
    assert.equal(got.cause, wire);
    if (status === sent.code) assert.ok(is(wire, sent), `is() across the wire: ${sent.reason}`);
  }
});

Deno.test("the trailer holds a google.rpc.Status a Go Kratos client decodes", () => {
  const err = notFound("USER_NOT_FOUND", "user 42 not found").withMetadata({ id: "42" });
  const trailer = setTrailerStatus(
    new Headers(),
    toConnectError(err, { domain: "users.example.com" }) as ConnectError,
  );
  assert.equal(trailer.get("grpc-status"), "5");
  const bin = trailer.get("grpc-status-details-bin");
  assert.ok(bin);
  const status = fromBinary(StatusSchema, decodeBinaryHeader(bin));
  assert.equal(status.code, 5);
  assert.equal(status.message, "user 42 not found");
  assert.equal(status.details.length, 1);
  assert.equal(status.details[0].typeUrl, "type.googleapis.com/google.rpc.ErrorInfo");
  const info = anyUnpack(status.details[0], ErrorInfoSchema);
  assert.ok(info);
  assert.equal(info.reason, "USER_NOT_FOUND");
  assert.equal(info.domain, "users.example.com");
  assert.deepEqual(info.metadata, { id: "42" });
});

// A status as Kratos's Error.GRPCStatus builds it, plus details of other kinds around it.
function kratosTrailer(code: number, message: string, details: Uint8Array | undefined): Headers {
  const status = create(StatusSchema, { code, message });
  status.details.push(anyPack(RetryInfoSchema, create(RetryInfoSchema, {})));
  if (details !== undefined) {
    status.details.push({
      $typeName: "google.protobuf.Any",
      typeUrl: "type.googleapis.com/google.rpc.ErrorInfo",
      value: details,
    });
  }
  return new Headers({
    "grpc-status": String(code),
    "grpc-message": encodeURIComponent(message),
    "grpc-status-details-bin": encodeBinaryHeader(toBinary(StatusSchema, status)),
  });
}

Deno.test("statuses from a Kratos peer decode, and bad details do not break decoding", () => {
  const info = toBinary(
    ErrorInfoSchema,
    create(ErrorInfoSchema, { reason: "ORDER_CLOSED", metadata: { order: "7" } }),
  );
  const cases: [string, Headers, number, string, Record<string, string>][] = [
    // FailedPrecondition reads as 400 with Kratos v2's table, the default.
    ["ErrorInfo", kratosTrailer(9, "order closed", info), 400, "ORDER_CLOSED", { order: "7" }],
    ["no ErrorInfo", kratosTrailer(14, "down", undefined), 503, "", {}],
    // A truncated message: the detail is dropped, the status still decodes.
    ["malformed ErrorInfo", kratosTrailer(5, "gone", Uint8Array.of(0x0a, 0x40, 0x41)), 404, "", {}],
    // A Duration's bytes under the ErrorInfo type URL: wrong fields are skipped as unknown.
    [
      "ErrorInfo of the wrong message",
      kratosTrailer(3, "bad", toBinary(DurationSchema, create(DurationSchema, { seconds: 5n }))),
      400,
      "",
      {},
    ],
    [
      "status without details",
      new Headers({ "grpc-status": "7", "grpc-message": "no" }),
      403,
      "",
      {},
    ],
  ];
  for (const [name, trailer, status, why, md] of cases) {
    const wire = findTrailerError(trailer);
    assert.ok(wire, name);
    const got = fromError(wire);
    assert.equal(got.code, status, name);
    assert.equal(got.reason, why, name);
    assert.deepEqual(got.metadata, md, name);
  }
});

Deno.test("toConnectError keeps ConnectErrors and converts everything else", () => {
  const existing = new ConnectError("kept", Code.DataLoss);
  assert.equal(toConnectError(existing), existing, "details of other layers survive");
  const cases: [string, unknown, Code, string][] = [
    ["plain Error", new Error("boom"), Code.Internal, "boom"],
    ["string", "text", Code.Internal, "text"],
    ["undefined", undefined, Code.Internal, "unknown error: undefined thrown"],
    // An error can never be sent as status 0 (success).
    ["code 200", newError(200, "ODD", "not an error"), Code.Unknown, "not an error"],
  ];
  for (const [name, input, grpcCode, message] of cases) {
    const ce = toConnectError(input);
    assert.ok(ce instanceof ConnectError, name);
    assert.equal(ce.code, grpcCode, name);
    assert.equal(ce.rawMessage, message, name);
    assert.equal(fromError(ce).message, message, name);
  }
  const wrapped = ConnectError.from(notFound("GONE", "wrapped"));
  wrapped.metadata.set("x-keep", "1");
  const unwrapped = toConnectError(wrapped);
  assert.equal(
    unwrapped.code,
    Code.NotFound,
    "an AtreusError wrapped by ConnectError.from is used",
  );
  assert.equal(unwrapped.metadata.get("x-keep"), "1", "with the wrapper's headers");
  assert.equal(fromError(overTheWire(wrapped)).reason, "GONE");
  const original = notFound("X", "y");
  assert.equal(toConnectError(original).cause, original, "the AtreusError is kept as the cause");
  assert.equal(fromError(toConnectError(original)), original, "and found again locally");
});
