// Connection and HTTP/2 limit options: bad values are refused at construction, naming the option.
import assert from "node:assert/strict";
import { createGrpcServer, createHttpServer } from "../../transport/mod.ts";

Deno.test("limit options must be positive integers, headers no longer than the request", () => {
  assert.throws(
    () => createHttpServer({ headersTimeoutMs: 0 }),
    new RangeError("HTTP server: headersTimeoutMs must be a positive integer, got 0"),
  );
  assert.throws(
    () => createHttpServer({ maxHeaderBytes: 1.5 }),
    new RangeError("HTTP server: maxHeaderBytes must be a positive integer, got 1.5"),
  );
  assert.throws(
    () => createHttpServer({ headersTimeoutMs: 2_000, requestTimeoutMs: 1_000 }),
    new RangeError(
      "HTTP server: headersTimeoutMs (2000) must not exceed requestTimeoutMs (1000)",
    ),
  );
  assert.throws(
    () => createHttpServer({ maxConcurrentStreams: -1 }),
    new RangeError("HTTP server: maxConcurrentStreams must be a positive integer, got -1"),
  );
  assert.throws(
    () => createGrpcServer({ maxSessionMemoryMiB: Number.NaN }),
    new RangeError("gRPC server: maxSessionMemoryMiB must be a positive integer, got NaN"),
  );
  assert.throws(
    () => createGrpcServer({ requestTimeoutMs: 0 }),
    new RangeError("gRPC server: requestTimeoutMs must be a positive integer, got 0"),
  );
  // A short request timeout alone is fine on the gRPC server (it has no header timeout).
  createGrpcServer({ requestTimeoutMs: 500 });
  // A short request timeout alone takes the header timeout down with it.
  createHttpServer({ requestTimeoutMs: 500 });
});
