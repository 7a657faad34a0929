// In-process cost of one unary call through the HTTP server's handler (`server.fetch`: Hono, the
// path selector, then the fast path or Connect-ES's router), helloworld's SayHello answered at
// once, no sockets, per protocol: Connect JSON, Connect binary, gRPC-Web. Variants run
// interleaved in rounds so drift on a shared machine hits them alike; prints one JSON line per
// variant: the median ns of CPU time per call over the rounds (the process's user + system
// time, so other work on a shared machine does not count), with the lowest and highest. With
// --base DIR the same calls also run on the servers of another checkout (e.g. `git archive` of
// main into DIR), in the same process and rounds: an A/B of a change (`pairedNsVsBase`: the median
// of the per-round differences). --connect-es adds the
// Connect-ES router (fastPath: false) as variants; --options adds servers with one option each
// (CORS for origin "*" with an Origin header on the request, a 1000 ms server timeout), Connect
// JSON; --only SUBSTRING keeps the variants whose name holds it; --signal has the handler read its
// signal (which starts the watch for its client going away).
// A `new Request` with a string body declares no length, so its body is read as a stream of
// chunks; a request from a socket declares it (Content-Length) and takes a faster route: the
// "+ length" variant, and with --length every Connect JSON request, declare it as wrk's do.
// --helloworld adds helloworld exactly as shipped (`newHelloworld()` of
// examples/helloworld/internal/app/app.ts, through the App's fetch entry `toWorker()`), called as
// the bench's wrk rows call it (Content-Length, an Origin); its logfmt lines go to stdout, so the
// results are printed on stderr then: redirect stdout to a file, as the wrk bench does.
//   deno run -A bench/micro/unary.ts [--calls N] [--rounds R] [--base DIR] [--connect-es]
//     [--options] [--only SUBSTRING] [--signal] [--length] [--helloworld] [> log]
// The gRPC server needs an HTTP/2 stream per call: measure it over a socket (bench/servers).
import process from "node:process";
import { flagOption, numberOption, textOption } from "../lib/options.ts";
import { pathToFileURL } from "node:url";
import { create, toBinary } from "@bufbuild/protobuf";
import * as here from "../../transport/mod.ts";
import {
  Greeter,
  HelloRequestSchema,
} from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";

const calls = numberOption("--calls", 20_000);
const rounds = numberOption("--rounds", 7);
const base = textOption("--base");

type Fetcher = { fetch(r: Request): Response | Promise<Response> };
type Create = (options: object) => Fetcher;

const impl = flagOption("--signal")
  ? {
    sayHello: (req: { name: string }, ctx: { signal: AbortSignal }) => ({
      message: ctx.signal.aborted ? "" : `Hello ${req.name}`,
    }),
  }
  : { sayHello: (req: { name: string }) => ({ message: `Hello ${req.name}` }) };
const trees: [string, Create][] = [["", here.createHttpServer as unknown as Create]];
if (base !== undefined) {
  const mod = await import(pathToFileURL(`${base}/transport/mod.ts`).href);
  trees.push(["base ", mod.createHttpServer as Create]);
}
const paths: [string, boolean][] = [["fast", true]];
if (flagOption("--connect-es")) paths.push(["connect-es", false]);
const only = textOption("--only");

const url = "http://127.0.0.1/helloworld.v1.Greeter/SayHello";
const proto = toBinary(HelloRequestSchema, create(HelloRequestSchema, { name: "bench" }));
const framed = new Uint8Array(5 + proto.byteLength);
framed[4] = proto.byteLength;
framed.set(proto, 5);
const jsonBody = '{"name":"bench"}';
const declared = { "content-length": String(new TextEncoder().encode(jsonBody).byteLength) };
const declare = flagOption("--length");
const jsonRequest = (extra: Record<string, string> = {}, length = declare) => () =>
  new Request(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...extra, ...(length ? declared : {}) },
    body: jsonBody,
  });
const requests: Record<string, () => Request> = {
  "connect json": jsonRequest({}, false),
  "connect json + length": jsonRequest({}, true),
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

async function block(server: Fetcher, make: () => Request): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) {
    const res = await server.fetch(make());
    if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) * 1e3 / calls;
}

const options: [string, object, () => Request][] = flagOption("--options")
  ? [
    [
      "connect json + cors",
      { cors: { origin: "*" } },
      jsonRequest({ origin: "https://example.com" }),
    ],
    ["connect json + timeout", { timeoutMs: 1000 }, jsonRequest()],
  ]
  : [];
const helloworld = flagOption("--helloworld");
const shipped: { name: string; server: Fetcher; make: () => Request }[] = [];
if (helloworld) {
  for (const [tree, root] of [["", "../../"], ["base ", base]]) {
    if (root === undefined) continue;
    const at = tree === "" ? new URL(root, import.meta.url) : pathToFileURL(`${root}/`);
    const { newHelloworld } = await import(
      new URL("examples/helloworld/internal/app/app.ts", at).href
    );
    const app = await newHelloworld({ http: "127.0.0.1:0", grpc: "", onServing: () => {} });
    const worker = app.toWorker();
    shipped.push({
      name: `${tree}helloworld as shipped`,
      server: { fetch: (r) => worker.fetch(r, undefined, undefined) },
      make: jsonRequest({ origin: "https://app.example" }, true),
    });
  }
}
const variants = trees.flatMap(([tree, createServer]) => [
  ...paths.flatMap(([path, fastPath]) => {
    const server = createServer({ services: [[Greeter, impl]], timeoutMs: 0, fastPath });
    return Object.entries(requests).map(([protocol, make]) => ({
      name: `${tree}${protocol} (${path})`,
      server,
      make,
    }));
  }),
  ...options.map(([name, option, make]) => ({
    name: `${tree}${name} (fast)`,
    server: createServer({ services: [[Greeter, impl]], timeoutMs: 0, ...option }),
    make,
  })),
  ...shipped.filter((v) => v.name === `${tree}helloworld as shipped`),
]).filter((v) => only === undefined || v.name.includes(only));
// Each variant next to its base twin, so a pair runs back to back.
const rank = (name: string) => variants.findIndex((v) => v.name === name.replace(/^base /, ""));
variants.sort((a, b) => rank(a.name) - rank(b.name) || (a.name < b.name ? 1 : -1));
const results = new Map<string, number[]>(variants.map((v) => [v.name, []]));
for (const v of variants) await block(v.server, v.make); // warm-up
// Every other round runs the variants in reverse, so neither tree always runs first.
for (let r = 0; r < rounds; r++) {
  for (const v of r % 2 === 0 ? variants : [...variants].reverse()) {
    results.get(v.name)!.push(await block(v.server, v.make));
  }
}
const median = (ns: number[]) => [...ns].sort((a, b) => a - b)[Math.floor(ns.length / 2)];
for (const [name, ns] of results) {
  // With --base: the median of the per-round differences against the base tree's same variant,
  // steadier than the difference of the medians when the machine's speed drifts.
  const other = results.get(`base ${name}`);
  (helloworld ? console.error : console.log)(JSON.stringify({
    variant: name,
    nsPerCall: Math.round(median(ns)),
    min: Math.round(Math.min(...ns)),
    max: Math.round(Math.max(...ns)),
    ...(other ? { pairedNsVsBase: Math.round(median(ns.map((n, i) => n - other[i]))) } : {}),
  }));
}
// helloworld's config watch would keep the process alive.
if (helloworld) process.exit(0);
