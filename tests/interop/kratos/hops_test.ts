// Scenarios 3 and 5 over three hops, Go Kratos client → Atreus → Go Kratos server, with the
// first hop over gRPC or over HTTP (protoc-gen-go-http's client on Atreus's REST route) and the
// second over gRPC, for Kratos v2 and v3: x-md-global-* reaches the last hop with the values
// Atreus received (joined into one, see below), x-md-local-* stops after one hop, and one trace runs through all three
// processes (Go's tracing middleware on the OTel SDK, Atreus's on @opentelemetry/sdk-trace).
import assert from "node:assert/strict";
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { ETCD_36, startEtcd } from "../../support/etcd.ts";
import { startAtreus } from "./atreus_peer.ts";
import { majors, startGoClient, startGoServer } from "./go_peers.ts";

interface Hop {
  server: string;
  metadata?: Record<string, { values: string[] }>;
  traceId: string;
  spanId: string;
}

const values = (hop: Hop, key: string) => hop.metadata?.[key]?.values;

for (const major of majors) {
  for (const first of ["grpc", "http"] as const) {
    Deno.test(`kratos ${major} → atreus → kratos ${major} (${first}, then grpc): metadata and trace context`, async () => {
      const server = await startEtcd(ETCD_36);
      const exporter = new InMemorySpanExporter();
      const provider = new TracerProvider({
        spanProcessors: [new SimpleSpanProcessor({ exporter })],
      });
      const last = await startGoServer(major, {
        etcd: server.endpoint,
        name: "go-last",
        id: "go-l",
      });
      const atreus = await startAtreus({
        etcd: server.endpoint,
        name: "ts-middle",
        id: "ts-m",
        tracerProvider: provider,
      });
      const go = await startGoClient(major, server.endpoint);
      try {
        const result = await go.call({
          target: "discovery:///ts-middle",
          transport: first,
          method: "Relay",
          request: { route: [{ service: "go-last", transport: "grpc" }] },
          metadata: { "x-md-global-user": ["u1", "u2"], "x-md-local-caller": ["go-client"] },
        });
        assert.equal(result.error, undefined, JSON.stringify(result.error));
        const [middle, end] = (result.reply as { hops: Hop[] }).hops;
        assert.deepEqual([middle.server, end.server], ["ts-m", "go-l"]);

        // Kratos's gRPC client sends only the first value of each key (header.Get); its HTTP
        // client sends them all. Atreus forwards every value it got.
        const sent = first === "http" ? ["u1", "u2"] : ["u1"];
        assert.deepEqual(values(middle, "x-md-global-user"), sent);
        assert.deepEqual(values(middle, "x-md-local-caller"), ["go-client"]);
        // Known difference (open): Atreus's gRPC client goes through Fetch Headers, which join a
        // repeated key into one "u1, u2" entry. gRPC's HTTP/2 spec calls the two equivalent, but
        // grpc-go (and so Kratos) keeps it as one value. Atreus ↔ Atreus keeps both values.
        assert.deepEqual(values(end, "x-md-global-user"), [sent.join(", ")]);
        assert.equal(values(end, "x-md-local-caller"), undefined, "x-md-local-* stops at one hop");
        for (const key of Object.keys(end.metadata ?? {})) {
          assert.ok(!key.startsWith("x-md-local-"), `${key} reached the last hop`);
        }

        // One trace: the Go client's root span, Atreus's server and client spans, Go's server.
        assert.equal(middle.traceId, result.traceId, "Atreus continues the Go client's trace");
        assert.equal(end.traceId, result.traceId, "the Go server continues Atreus's trace");
        const atreusSpans = exporter.getFinishedSpans();
        const atreusServer = atreusSpans.find((s) => s.spanContext().spanId === middle.spanId);
        assert.ok(atreusServer, "Atreus recorded its server span");
        const goClientSpan = go.spans().find((s) => s.kind === "client");
        assert.ok(goClientSpan, "the Go client recorded its client span");
        assert.equal(atreusServer.parentSpanContext?.spanId, goClientSpan.spanId);
        const atreusClient = atreusSpans.find((s) =>
          s.parentSpanContext?.spanId === middle.spanId && s.name === "/interop.v1.Greeter/Relay" &&
          s.kind === 2 // CLIENT
        );
        assert.ok(atreusClient, "Atreus's outgoing call is a child of its server span");
        const goServerSpan = last.spans().find((s) => s.spanId === end.spanId);
        assert.ok(goServerSpan, "the Go server recorded its span");
        assert.equal(goServerSpan.parentSpanId, atreusClient.spanContext().spanId);
        assert.equal(goServerSpan.kind, "server");
      } finally {
        await go.close();
        await atreus.stop();
        await last.child.close();
        await provider.shutdown();
        await server.close();
      }
    });
  }
}
