// Run by runtime_test.ts under Node and Bun: createClient over every protocol, balanced over
// direct:/// and discovery:/// (memory registry) endpoints, against the echo servers whose
// endpoints the test passes in ECHO_A and ECHO_B (each "http://…,grpc://…").
import http from "node:http";
import process from "node:process";
import { ConnectError } from "@connectrpc/connect";
import { memory } from "../../registry/mod.ts";
import { createClient } from "../../transport/client/mod.ts";
import { Echo } from "./proto/gen/fixture/client/v1/echo_pb.ts";

const [a, b] = [process.env.ECHO_A!, process.env.ECHO_B!].map((e) => e.split(","));
const registry = memory();
for (const [id, endpoints] of [["a", a], ["b", b]] as const) {
  await registry.register({ id, name: "echo", version: "v1", metadata: {}, endpoints });
}
const results: Record<string, string[]> = {};
for (const protocol of ["connect", "grpc-web", "grpc"] as const) {
  const i = protocol === "grpc" ? 1 : 0;
  for (
    const endpoint of [
      `direct:///${new URL(a[i]).host},${new URL(b[i]).host}`,
      "discovery:///echo",
    ]
  ) {
    const client = createClient(Echo, { endpoint, protocol, discovery: registry });
    const got: string[] = [];
    for (let n = 0; n < 4; n++) got.push((await client.get({ text: "x" })).server);
    for await (const r of client.list({ text: "s", count: 2 })) got.push(r.text);
    await client.close();
    results[`${protocol} ${endpoint.split(":")[0]}`] = got;
  }
}
await registry.close();
// Bad TLS and HTTP-version options are typed errors here too, the message naming the problem.
const bad: Record<string, string> = {};
for (
  const [name, extra] of [
    ["tls", { tls: { ca: "not a certificate" } }],
    ["key", { tls: { cert: "-----BEGIN CERTIFICATE-----" } }],
    ["httpVersion", { httpVersion: "3" }],
  ] as const
) {
  try {
    createClient(Echo, { endpoint: "https://127.0.0.1:1", ...extra } as never);
    bad[name] = "accepted";
  } catch (e) {
    bad[name] = `${(e as { code?: string }).code}: ${(e as Error).message}`;
  }
}
results.bad = Object.values(bad);
// A redirect fails the call, never followed, on this runtime's own fetch (Node's refuses it
// itself, so its error cannot name the status).
let followed = 0;
const redirecting = http.createServer((req, res) => {
  if (req.url?.startsWith("/elsewhere")) followed++;
  res.writeHead(302, { location: "/elsewhere" });
  res.end();
});
await new Promise<void>((resolve) => redirecting.listen(0, "127.0.0.1", resolve));
const port = (redirecting.address() as { port: number }).port;
results.redirect = [];
for (const protocol of ["connect", "grpc-web"] as const) {
  const client = createClient(Echo, { endpoint: `http://127.0.0.1:${port}`, protocol });
  const err = await client.get({ text: "x" }).then(() => undefined, (e) => e);
  results.redirect.push(
    err instanceof ConnectError ? `${protocol} ${err.code} ${err.rawMessage}` : String(err),
  );
  await client.close();
}
results.redirect.push(`followed ${followed}`);
await new Promise((resolve) => redirecting.close(resolve));
console.log(JSON.stringify(results));
