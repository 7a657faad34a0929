// In-process cost of one unary client call, Connect over fetch, with a fetch that answers at once
// (a canned HelloReply, no sockets): what the client itself spends per call, which the runtime's
// own fetch otherwise hides in a profile. Variants: Connect-ES's transport (connect-web),
// createClient with its defaults, with `[metadata.client(), circuitBreaker(), retry()]`, and on
// discovery:/// with p2c(). `concurrency` calls in flight, as bench/clients/unary.ts; variants run
// interleaved in rounds so drift on a shared machine hits them alike; prints one JSON line per
// variant: the median ns of CPU time per call over the rounds (user + system, so other work on
// a shared machine does not count), with the lowest and highest, and the median over the rounds
// of Connect-ES's ns in that round over the variant's (× Connect-ES: a round's drift cancels).
// With --base DIR the same calls also run on the client of another checkout, in the same
// process and rounds (an A/B).
// With --url the calls go to a running server through the runtime's own fetch instead (as
// bench/clients/unary.ts makes them, every variant on the same connection pool, in the same
// rounds): what a call costs the client process with its runtime's HTTP client included, which
// calls/s in separate processes on a shared machine measures too coarsely to compare.
// Runs on Deno, Bun and Node.
//   deno run -A bench/micro/client.ts [--calls N] [--rounds R] [--concurrency C] [--base DIR]
//     [--only SUBSTRING[,SUBSTRING…]] [--url http://127.0.0.1:PORT]
import process from "node:process";
import { numberOption, textOption } from "../lib/options.ts";
import { pathToFileURL } from "node:url";
import { create, toBinary } from "@bufbuild/protobuf";
import { createClient as connectClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import {
  Greeter,
  HelloReplySchema,
} from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";

const calls = numberOption("--calls", 20_000);
const rounds = numberOption("--rounds", 7);
const concurrency = numberOption("--concurrency", 50);
const base = textOption("--base");
const only = textOption("--only");
const url = textOption("--url");

const reply = toBinary(HelloReplySchema, create(HelloReplySchema, { message: "Hello bench" }));
// What a server's answer costs the client's runtime (a Response, its headers, its body) is
// paid alike by every variant.
const canned: typeof globalThis.fetch = () =>
  Promise.resolve(
    new Response(reply, {
      headers: { "content-type": "application/proto", "content-length": String(reply.length) },
    }),
  );
const baseUrl = url ?? "http://127.0.0.1:1";
// Unset, both clients take the runtime's fetch, as an application's would.
const fetch = url === undefined ? canned : undefined;

type SayHello = (req: { name: string }) => Promise<{ message: string }>;
interface Tree {
  createClient(service: unknown, options: object): { sayHello: SayHello };
  middleware: unknown[];
  registry(): { register(i: object): Promise<void> };
  p2c(): unknown;
}

async function load(dir: string): Promise<Tree> {
  const url = (p: string) => pathToFileURL(`${dir}/${p}`).href;
  const client = await import(url("transport/client/mod.ts"));
  const mw = await import(url("middleware/mod.ts"));
  const md = await import(url("metadata/mod.ts"));
  const reg = await import(url("registry/mod.ts"));
  const sel = await import(url("selector/mod.ts"));
  return {
    createClient: client.createClient,
    middleware: [md.client(), mw.circuitBreaker(), mw.retry()],
    registry: reg.memory,
    p2c: sel.p2c,
  };
}

const here = decodeURIComponent(new URL("../../", import.meta.url).pathname);
const trees: [string, Tree][] = [["", await load(here)]];
if (base !== undefined) trees.push(["base ", await load(base)]);

const es = connectClient(
  Greeter,
  createConnectTransport({ baseUrl, useBinaryFormat: true, fetch }),
);
const variants: { name: string; call: SayHello }[] = [
  { name: "connect-es", call: (req) => es.sayHello(req) },
];
for (const [tree, t] of trees) {
  const defaults = t.createClient(Greeter, { endpoint: baseUrl, fetch });
  const middleware = t.createClient(Greeter, {
    endpoint: baseUrl,
    fetch,
    middleware: t.middleware,
  });
  const registry = t.registry();
  await registry.register({
    id: "bench-1",
    name: "greeter",
    version: "v1",
    metadata: {},
    endpoints: [baseUrl],
  });
  const discovery = t.createClient(Greeter, {
    endpoint: "discovery:///greeter",
    discovery: registry,
    balancer: t.p2c(),
    fetch,
  });
  variants.push(
    { name: `${tree}defaults`, call: (req) => defaults.sayHello(req) },
    { name: `${tree}middleware`, call: (req) => middleware.sayHello(req) },
    { name: `${tree}discovery`, call: (req) => discovery.sayHello(req) },
  );
}
const wanted = only?.split(",");
const chosen = variants.filter((v) =>
  wanted === undefined || wanted.some((w) => v.name.includes(w))
);

async function block(call: SayHello): Promise<number> {
  let left = calls;
  const loop = async () => {
    while (left-- > 0) {
      const r = await call({ name: "bench" });
      if (r.message !== "Hello bench") throw new Error(`unexpected reply ${r.message}`);
    }
  };
  const start = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, loop));
  const used = process.cpuUsage(start);
  return (used.user + used.system) * 1e3 / calls;
}

const results = new Map<string, number[]>(chosen.map((v) => [v.name, []]));
for (const v of chosen) await block(v.call); // warm-up
for (let r = 0; r < rounds; r++) {
  for (const v of chosen) results.get(v.name)!.push(await block(v.call));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const reference = results.get("connect-es");
for (const [name, ns] of results) {
  const sorted = [...ns].sort((a, b) => a - b);
  console.log(JSON.stringify({
    variant: name,
    nsPerCall: Math.round(median(ns)),
    min: Math.round(sorted[0]),
    max: Math.round(sorted[sorted.length - 1]),
    ...(reference === undefined
      ? {}
      : { xConnectEs: Number(median(ns.map((n, r) => reference[r] / n)).toFixed(2)) }),
  }));
}
process.exit(0);
