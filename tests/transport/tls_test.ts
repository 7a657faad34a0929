// TLS where the runtime supports it: HTTPS on the HTTP server and gRPC over TLS on the gRPC
// server, with certificates from a throwaway test CA (tests/support/certs.ts); endpoints advertise
// https/grpcs.
import assert from "node:assert/strict";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { createGrpcServer, createHttpServer, type TlsOptions } from "../../transport/mod.ts";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { testCertificates } from "../support/certs.ts";

// Both servers on `tls`, started, serving Greeter.
async function servers(tls: TlsOptions) {
  const services = [[Greeter, {
    sayHello: (r: { name: string }) => ({ message: `Hello ${r.name}` }),
  }]] as const;
  const http = createHttpServer({ address: "127.0.0.1:0", services, tls });
  const grpc = createGrpcServer({ address: "127.0.0.1:0", services, tls });
  await http.start();
  await grpc.start();
  return { http, grpc };
}

Deno.test("HTTPS and gRPC over TLS", async () => {
  const { ca, cert, key } = await testCertificates();
  const tls = { cert, key };
  const { http, grpc } = await servers(tls);
  const client = Deno.createHttpClient({ caCerts: [ca] });
  try {
    assert.equal(http.endpoint().protocol, "https:");
    assert.equal(grpc.endpoint().protocol, "grpcs:");
    const res = await fetch(`${http.endpoint().href}helloworld/tls`, { client } as RequestInit);
    assert.deepEqual(await res.json(), { message: "Hello tls" });
    const plain = await fetch(`http://${http.endpoint().host}/helloworld/x`).then(
      () => "answered",
      () => "refused",
    );
    assert.equal(plain, "refused", "plain HTTP is not served on the TLS port");
    const transport = createGrpcTransport({
      baseUrl: `https://${grpc.endpoint().host}`,
      nodeOptions: { ca },
    });
    const reply = await createClient(Greeter, transport).sayHello({ name: "grpcs" });
    assert.equal(reply.message, "Hello grpcs");
  } finally {
    client.close();
    await http.stop();
    await grpc.stop();
  }
});

Deno.test("mutual TLS: both servers refuse clients without a certificate from tls.ca", async () => {
  const { ca, cert, key, clientCert, clientKey } = await testCertificates();
  const tls = { cert, key, ca };
  const { http, grpc } = await servers(tls);
  const withCert = Deno.createHttpClient({ caCerts: [ca], cert: clientCert, key: clientKey });
  const withoutCert = Deno.createHttpClient({ caCerts: [ca] });
  try {
    const url = `${http.endpoint().href}helloworld/mtls`;
    const res = await fetch(url, { client: withCert } as RequestInit);
    assert.deepEqual(await res.json(), { message: "Hello mtls" });
    const refused = await fetch(url, { client: withoutCert } as RequestInit).then(
      async (r) => `answered ${r.status} ${await r.text()}`,
      () => "refused",
    );
    assert.equal(refused, "refused", "no client certificate, no answer");
    const call = (options: Record<string, string>) =>
      createClient(
        Greeter,
        createGrpcTransport({ baseUrl: `https://${grpc.endpoint().host}`, nodeOptions: options }),
      ).sayHello({ name: "grpcs" });
    assert.equal((await call({ ca, cert: clientCert, key: clientKey })).message, "Hello grpcs");
    await assert.rejects(call({ ca }), "the gRPC server refuses a client without a certificate");
  } finally {
    withCert.close();
    withoutCert.close();
    await http.stop();
    await grpc.stop();
  }
});
