// Scenario 2, errors both ways over gRPC and HTTP, against real Go Kratos processes (v2, v3).
// Each error is read twice: by Atreus and by a Go Kratos client of the same major, from the
// same server; with the code table of that major chosen (setCodeTable), both must read the
// same code, reason, message and metadata. Kratos errors, 412 and plain gRPC statuses
// (FailedPrecondition, OutOfRange, AlreadyExists) with no status of their own are covered.
import assert from "node:assert/strict";
import { type AtreusError, fromError, fromJson, setCodeTable } from "../../../errors/mod.ts";
import { etcd } from "../../../registry/mod.ts";
import { createClient } from "../../../transport/client/mod.ts";
import { ETCD_36, startEtcd } from "../../support/etcd.ts";
import { startAtreus } from "./atreus_peer.ts";
import { Greeter } from "./gen/interop/v1/greeter_pb.ts";
import { type GoError, majors, startGoClient, startGoServer } from "./go_peers.ts";

interface Case {
  readonly code?: number;
  readonly reason?: string;
  readonly message: string;
  readonly metadata?: Record<string, string>;
  readonly grpcCode?: number;
}

const cases: Case[] = [
  { code: 404, reason: "USER_NOT_FOUND", message: "user 42 not found", metadata: { id: "42" } },
  { code: 412, reason: "STALE", message: "etag mismatch", metadata: { etag: "w/1" } },
  { code: 409, reason: "TAKEN", message: "name taken" },
  // Empty reason and metadata: Kratos v3's HTTP body omits them.
  { code: 400, message: "bad input" },
  { code: 503, reason: "DRAINING", message: "shutting down" },
  { grpcCode: 9, message: "precondition failed" }, // FailedPrecondition
  { grpcCode: 11, message: "out of range" }, // OutOfRange
  { grpcCode: 6, message: "already exists" }, // AlreadyExists
];

// What both sides compare: the Kratos error as errors.FromError / fromError read it.
function view(e: GoError | AtreusError) {
  return {
    code: e.code,
    reason: e.reason,
    message: e.message,
    metadata: { ...(e.metadata ?? {}) },
  };
}

function request(c: Case) {
  return {
    code: c.code ?? 0,
    reason: c.reason ?? "",
    message: c.message,
    metadata: c.metadata,
    grpcCode: c.grpcCode ?? 0,
  };
}

const label = (c: Case) => c.grpcCode ? `gRPC status ${c.grpcCode}` : `${c.code} ${c.reason ?? ""}`;

for (const major of majors) {
  Deno.test(`kratos ${major} → atreus: errors read the same as a Go Kratos ${major} client reads them`, async () => {
    setCodeTable(major === "v2" ? "kratos-v2" : "kratos-v3");
    const server = await startEtcd(ETCD_36);
    const registry = etcd({ endpoint: server.endpoint });
    const go = await startGoServer(major, { etcd: server.endpoint, name: "go-errors", id: "go-e" });
    const goClient = await startGoClient(major, server.endpoint);
    const client = createClient(Greeter, {
      endpoint: "discovery:///go-errors",
      discovery: registry,
      protocol: "grpc",
    });
    try {
      for (const c of cases) {
        const req = request(c);
        // gRPC: ErrorInfo detail for reason and metadata, code through the table.
        const expected = await goClient.call({
          target: "discovery:///go-errors",
          transport: "grpc",
          method: "Fail",
          request: req,
        });
        assert.ok(expected.error, label(c));
        const got = await client.fail(req).then(
          () => assert.fail("no error"),
          (e) => fromError(e),
        );
        assert.deepEqual(view(got), view(expected.error), `gRPC ${label(c)}`);

        // HTTP: the REST error body, v3's without its empty fields.
        const res = await fetch(`http://${go.http}/v1/fail`, {
          method: "POST",
          // Kratos v3 decodes application/json with encoding/json, which knows only the proto
          // field names (grpc_code); its own clients send protojson under its own media type.
          headers: {
            "content-type": major === "v3" ? "application/protojson" : "application/json",
          },
          body: JSON.stringify(req),
        });
        const body = await res.text();
        const viaHttp = await goClient.call({
          target: "discovery:///go-errors",
          transport: "http",
          method: "Fail",
          request: req,
        });
        const read = fromJson(body);
        assert.equal(res.status, read.code, body);
        assert.deepEqual(view(read), view(viaHttp.error!), `HTTP ${label(c)}: ${body}`);
        if (major === "v3" && !c.reason) assert.ok(!body.includes('"reason"'), body);
        if (major === "v2" && !c.reason) assert.ok(body.includes('"reason":""'), body);
      }
    } finally {
      setCodeTable("kratos-v2");
      await client.close();
      await goClient.close();
      await go.child.close();
      await registry.close();
      await server.close();
    }
  });

  Deno.test(`atreus → kratos ${major}: a Go client reads Atreus's errors as it reads a Go server's`, async () => {
    setCodeTable(major === "v2" ? "kratos-v2" : "kratos-v3");
    const server = await startEtcd(ETCD_36);
    const go = await startGoServer(major, { etcd: server.endpoint, name: "go-ref", id: "go-r" });
    const atreus = await startAtreus({ etcd: server.endpoint, name: "ts-errors", id: "ts-e" });
    const goClient = await startGoClient(major, server.endpoint);
    try {
      for (const c of cases) {
        for (const transport of ["grpc", "http"] as const) {
          const call = {
            transport,
            method: "Fail" as const,
            request: request(c),
          };
          const fromGo = await goClient.call({ ...call, target: "discovery:///go-ref" });
          const fromAtreus = await goClient.call({ ...call, target: "discovery:///ts-errors" });
          assert.ok(fromGo.error && fromAtreus.error, `${transport} ${label(c)}`);
          assert.deepEqual(
            { ...view(fromAtreus.error), grpcCode: fromAtreus.error.grpcCode },
            { ...view(fromGo.error), grpcCode: fromGo.error.grpcCode },
            `${transport} ${label(c)}`,
          );
        }
      }
    } finally {
      setCodeTable("kratos-v2");
      await goClient.close();
      await atreus.stop();
      await go.child.close();
      await server.close();
    }
  });
}
