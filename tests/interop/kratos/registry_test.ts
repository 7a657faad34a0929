// Scenario 1, registry both ways, against etcd 3.6 and real Go Kratos processes (v2 and v3): a
// Go app registers and an Atreus client finds it with discovery:///; an Atreus app registers and
// Go Kratos clients call it over gRPC and over HTTP (protoc-gen-go-http's client on Atreus's
// google.api.http routes); each side parses the other's endpoints, grpcs:// and query strings
// included.
import assert from "node:assert/strict";
import { etcd } from "../../../registry/mod.ts";
import { toNodes } from "../../../selector/mod.ts";
import { createClient } from "../../../transport/client/mod.ts";
import { ETCD_36, startEtcd } from "../../support/etcd.ts";
import { freePort } from "../../support/process.ts";
import { startAtreus } from "./atreus_peer.ts";
import { Greeter } from "./gen/interop/v1/greeter_pb.ts";
import { majors, startGoClient, startGoServer } from "./go_peers.ts";
import { serverCertificate } from "../../support/self_signed.ts";

for (const major of majors) {
  Deno.test(`kratos ${major} → atreus: a Go app in etcd is called through discovery:///`, async () => {
    const server = await startEtcd(ETCD_36);
    const registry = etcd({ endpoint: server.endpoint });
    const go = await startGoServer(major, {
      etcd: server.endpoint,
      name: "go-greeter",
      id: "go-1",
    });
    const client = createClient(Greeter, {
      endpoint: "discovery:///go-greeter",
      discovery: registry,
      protocol: "grpc",
    });
    try {
      const [instance] = await registry.getService("go-greeter");
      assert.deepEqual(instance.endpoints, [`grpc://${go.grpc}`, `http://${go.http}`]);
      assert.equal(instance.version, major === "v2" ? "v2.9.2" : "v3.0.0");
      const reply = await client.sayHello({ name: "atreus" });
      assert.equal(reply.message, "Hello atreus");
      assert.equal(reply.server, "go-1");
    } finally {
      await client.close();
      await go.child.close();
      await registry.close();
      await server.close();
    }
  });

  Deno.test(`atreus → kratos ${major}: Go clients call an Atreus app over gRPC and REST`, async () => {
    const server = await startEtcd(ETCD_36);
    const atreus = await startAtreus({ etcd: server.endpoint, name: "ts-greeter", id: "ts-1" });
    const go = await startGoClient(major, server.endpoint);
    try {
      for (const transport of ["grpc", "http"] as const) {
        const result = await go.call({
          target: "discovery:///ts-greeter",
          transport,
          method: "SayHello",
          request: { name: `kratos ${major} ${transport}` },
        });
        assert.deepEqual(result.error, undefined, `${transport}: ${JSON.stringify(result.error)}`);
        assert.deepEqual(result.reply, {
          message: `Hello kratos ${major} ${transport}`,
          server: "ts-1",
        });
      }
    } finally {
      await go.close();
      await atreus.stop();
      await server.close();
    }
  });

  Deno.test(`kratos ${major} ⇄ atreus: endpoints with query strings and grpcs:// parse both ways`, async () => {
    const server = await startEtcd(ETCD_36);
    // Kratos's resolver verifies the certificate against the service name, not the address.
    const cert = await serverCertificate(["ts-tls"]);
    const registry = etcd({ endpoint: server.endpoint });
    // Go registers TLS gRPC (grpcs://) plus endpoints carrying query strings.
    const goTls = await startGoServer(major, {
      etcd: server.endpoint,
      name: "go-tls",
      id: "go-tls-1",
      tls: { cert: cert.certFile, key: cert.keyFile },
    });
    const goQuery = await startGoServer(major, {
      etcd: server.endpoint,
      name: "go-query",
      id: "go-q-1",
      endpoints: ["grpc://127.0.0.1:1?isSecure=false&zone=a"],
    });
    const goClient = await startGoClient(major, server.endpoint, { ca: cert.caFile });
    let tsTls, tsQuery;
    try {
      const [tls] = await registry.getService("go-tls");
      assert.deepEqual(tls.endpoints, [`grpcs://${goTls.grpc}`, `http://${goTls.http}`]);
      const nodes = toNodes([tls], { schemes: ["grpcs", "grpc"] });
      assert.deepEqual(nodes.map((n) => [n.scheme, n.address, n.secure]), [
        ["grpcs", goTls.grpc, true],
      ]);
      const [query] = await registry.getService("go-query");
      assert.deepEqual(query.endpoints, ["grpc://127.0.0.1:1?isSecure=false&zone=a"]);
      assert.deepEqual(
        toNodes([query], { schemes: ["grpc"] }).map((n) => [n.address, n.secure]),
        [["127.0.0.1:1", false]],
      );

      // Atreus registers grpcs:// (its gRPC server on TLS); the Go TLS client picks it.
      tsTls = await startAtreus({
        etcd: server.endpoint,
        name: "ts-tls",
        id: "ts-tls-1",
        grpcTls: { cert: cert.cert, key: cert.key },
      });
      assert.ok(
        tsTls.endpoints.some((e) => e.startsWith("grpcs://127.0.0.1:")),
        String(tsTls.endpoints),
      );
      const overTls = await goClient.call({
        target: "discovery:///ts-tls",
        transport: "grpc",
        method: "SayHello",
        request: { name: "tls" },
        tls: true,
      });
      assert.deepEqual(
        overTls.reply,
        { message: "Hello tls", server: "ts-tls-1" },
        JSON.stringify(overTls.error),
      );

      // Atreus registers endpoints with query strings; Go dials their host:port.
      const [httpPort, grpcPort] = [freePort(), freePort()];
      tsQuery = await startAtreus({
        etcd: server.endpoint,
        name: "ts-query",
        id: "ts-q-1",
        httpAddress: `127.0.0.1:${httpPort}`,
        grpcAddress: `127.0.0.1:${grpcPort}`,
        endpoints: [
          `http://127.0.0.1:${httpPort}?isSecure=false&zone=a`,
          `grpc://127.0.0.1:${grpcPort}?isSecure=false&zone=a`,
        ],
      });
      for (const transport of ["grpc", "http"] as const) {
        const r = await goClient.call({
          target: "discovery:///ts-query",
          transport,
          method: "SayHello",
          request: { name: "q" },
        });
        assert.deepEqual(
          r.reply,
          { message: "Hello q", server: "ts-q-1" },
          JSON.stringify(r.error),
        );
      }
    } finally {
      await goClient.close();
      await tsTls?.stop();
      await tsQuery?.stop();
      await goTls.child.close();
      await goQuery.child.close();
      await registry.close();
      await cert.remove();
      await server.close();
    }
  });
}
