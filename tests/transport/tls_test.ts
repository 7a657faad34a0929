// TLS where the runtime supports it: HTTPS on the HTTP server and gRPC over TLS on the gRPC
// server, with a self-signed certificate made for the test; endpoints advertise https/grpcs.
import assert from "node:assert/strict";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { createGrpcServer, createHttpServer } from "../../transport/mod.ts";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { run } from "../support/process.ts";

// A test CA and a server certificate it signed (rustls refuses a CA used as the server's cert).
async function certificates(): Promise<
  { ca: string; cert: string; key: string; clientCert: string; clientKey: string }
> {
  const dir = await Deno.makeTempDir({ prefix: "atreus-tls-" });
  const ssl = async (...args: string[]) => {
    const out = await run("openssl", args, { cwd: dir });
    assert.equal(out.code, 0, out.stderr);
  };
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await ssl(
    "req",
    "-x509",
    ...ec,
    "-days",
    "1",
    "-subj",
    "/CN=atreus test CA",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
  );
  await ssl("req", ...ec, "-subj", "/CN=localhost", "-keyout", "key.pem", "-out", "server.csr");
  await Deno.writeTextFile(
    `${dir}/ext.cnf`,
    "basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
  );
  await ssl(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "1",
    "-extfile",
    "ext.cnf",
    "-out",
    "cert.pem",
  );
  // A client certificate from the same CA, for mutual TLS.
  await ssl("req", ...ec, "-subj", "/CN=client", "-keyout", "client.key", "-out", "client.csr");
  await Deno.writeTextFile(
    `${dir}/client.cnf`,
    "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n",
  );
  await ssl(
    "x509",
    "-req",
    "-in",
    "client.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "1",
    "-extfile",
    "client.cnf",
    "-out",
    "client.pem",
  );
  const read = (f: string) => Deno.readTextFile(`${dir}/${f}`);
  const pair = {
    ca: await read("ca.pem"),
    cert: await read("cert.pem"),
    key: await read("key.pem"),
    clientCert: await read("client.pem"),
    clientKey: await read("client.key"),
  };
  await Deno.remove(dir, { recursive: true });
  return pair;
}

Deno.test("HTTPS and gRPC over TLS", async () => {
  const { ca, cert, key } = await certificates();
  const tls = { cert, key };
  const services = [[Greeter, {
    sayHello: (r: { name: string }) => ({ message: `Hello ${r.name}` }),
  }]] as const;
  const http = createHttpServer({ address: "127.0.0.1:0", services, tls });
  const grpc = createGrpcServer({ address: "127.0.0.1:0", services, tls });
  await http.start();
  await grpc.start();
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
  const { ca, cert, key, clientCert, clientKey } = await certificates();
  const tls = { cert, key, ca };
  const services = [[Greeter, {
    sayHello: (r: { name: string }) => ({ message: `Hello ${r.name}` }),
  }]] as const;
  const http = createHttpServer({ address: "127.0.0.1:0", services, tls });
  const grpc = createGrpcServer({ address: "127.0.0.1:0", services, tls });
  await http.start();
  await grpc.start();
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
