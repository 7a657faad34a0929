// In-process cost of one unary call through the HTTP server's handler (`server.fetch`: Hono, the
// path selector, then the fast path or Connect-ES's router), helloworld's SayHello answered at
// once, no sockets, per protocol: Connect JSON, Connect binary, gRPC-Web. Variants run
// interleaved in rounds so drift on a shared machine hits them alike; prints one JSON line per
// variant: the median ns per call over the rounds, with the lowest and highest round.
//   deno run -A bench/micro/unary.ts [--calls N] [--rounds R]
// The gRPC server needs an HTTP/2 stream per call: measure it over a socket (bench/servers).
import process from "node:process";
import { create, toBinary } from "@bufbuild/protobuf";
import { createHttpServer } from "../../transport/mod.ts";
import {
  Greeter,
  HelloRequestSchema,
} from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
};
const calls = arg("--calls", 50_000);
const rounds = arg("--rounds", 7);

const impl = { sayHello: (req: { name: string }) => ({ message: `Hello ${req.name}` }) };
const servers = {
  fast: createHttpServer({ services: [[Greeter, impl]], timeoutMs: 0 }),
  "connect-es": createHttpServer({ services: [[Greeter, impl]], timeoutMs: 0, fastPath: false }),
};
const url = "http://127.0.0.1/helloworld.v1.Greeter/SayHello";
const proto = toBinary(HelloRequestSchema, create(HelloRequestSchema, { name: "bench" }));
const framed = new Uint8Array(5 + proto.byteLength);
framed[4] = proto.byteLength;
framed.set(proto, 5);
const requests: Record<string, () => Request> = {
  "connect json": () =>
    new Request(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"name":"bench"}',
    }),
  "connect proto": () =>
    new Request(url, {
      method: "POST",
      headers: { "content-type": "application/proto" },
      body: proto,
    }),
  "grpc-web": () =>
    new Request(url, {
      method: "POST",
      headers: { "content-type": "application/grpc-web+proto" },
      body: framed,
    }),
};

async function block(
  server: { fetch(r: Request): Response | Promise<Response> },
  make: () => Request,
): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < calls; i++) {
    const res = await server.fetch(make());
    if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
  }
  return (performance.now() - start) * 1e6 / calls;
}

const variants = Object.entries(servers).flatMap(([path, server]) =>
  Object.entries(requests).map(([protocol, make]) => ({
    name: `${protocol} (${path})`,
    server,
    make,
  }))
);
const results = new Map<string, number[]>(variants.map((v) => [v.name, []]));
for (const v of variants) await block(v.server, v.make); // warm-up
for (let r = 0; r < rounds; r++) {
  for (const v of variants) results.get(v.name)!.push(await block(v.server, v.make));
}
for (const [name, ns] of results) {
  ns.sort((a, b) => a - b);
  const median = ns[Math.floor(ns.length / 2)];
  console.log(JSON.stringify({
    variant: name,
    nsPerCall: Math.round(median),
    min: Math.round(ns[0]),
    max: Math.round(ns[ns.length - 1]),
  }));
}
