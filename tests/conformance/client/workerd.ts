// The client under test on workerd, for `connectconformance --mode client`:
//
//   deno run -A workerd.ts [--bundle <client-worker.js>]
//
// A relay: each ClientCompatRequest read from stdin is POSTed to the worker (worker.ts, bundled
// as for `wrangler deploy`), which makes the call with createClient over workerd's fetch; its
// ClientCompatResponse goes to stdout. The runner hands TLS material over per request, but a
// worker trusts what its workerd config says: workerd is (re)started with the server's CA and
// the client certificate as its outbound TLS settings the first time a request brings them (a
// run uses one of each, so at most twice), once the calls in flight have ended. Without
// --bundle, worker.ts is bundled first (a few seconds, before the first request is read).
import { fromBinary } from "@bufbuild/protobuf";
import { ClientCompatRequestSchema } from "../gen/connectrpc/conformance/v1/client_compat_pb.ts";
import { freePort } from "../../support/process.ts";
import { WORKERD } from "../../support/tools.ts";
import { bundleWorker } from "../../support/workerd.ts";
import { readDelimited, writeDelimited } from "./delimited.ts";
import process from "node:process";

const flag = (name: string) => {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Deno.args[i + 1] : undefined;
};
const bundleDir = await Deno.makeTempDir({ prefix: "atreus-conformance-client-bundle-" });
let bundle = flag("bundle");
if (bundle === undefined) {
  bundle = `${bundleDir}/worker.js`;
  await bundleWorker(new URL("./worker.ts", import.meta.url).pathname, bundle);
}

/** The outbound TLS material workerd was started with. */
interface Trust {
  ca: string;
  cert: string;
  key: string;
}

interface Running {
  readonly trust: Trust;
  readonly base: string;
  readonly child: Deno.ChildProcess;
  readonly dir: string;
}

const decoder = new TextDecoder();
let current: Running | undefined;
let starting: Promise<Running> | undefined;
/** Calls holding the current workerd; a restart waits until they are done. */
let users = 0;
let idle: (() => void) | undefined;
const MAX_IN_FLIGHT = 32;

function configOf(port: number, trust: Trust): string {
  const tls: string[] = [];
  if (trust.ca !== "") tls.push(`trustedCertificates = [embed "ca.pem"]`);
  if (trust.cert !== "") {
    tls.push(`keypair = (privateKey = embed "key.pem", certificateChain = embed "cert.pem")`);
  }
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .main),
    (name = "net", network = (allow = ["public", "private", "local"]${
    tls.length > 0 ? `, tlsOptions = (${tls.join(", ")})` : ""
  })),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const main :Workerd.Worker = (
  modules = [ (name = "worker", esModule = embed "worker.js") ],
  compatibilityDate = "2025-09-01",
  compatibilityFlags = ["nodejs_compat"],
  globalOutbound = "net",
);
`;
}

async function start(trust: Trust): Promise<Running> {
  const dir = await Deno.makeTempDir({ prefix: "atreus-conformance-client-workerd-" });
  await Deno.copyFile(bundle!, `${dir}/worker.js`);
  if (trust.ca !== "") await Deno.writeTextFile(`${dir}/ca.pem`, trust.ca);
  if (trust.cert !== "") {
    await Deno.writeTextFile(`${dir}/cert.pem`, trust.cert);
    await Deno.writeTextFile(`${dir}/key.pem`, trust.key);
  }
  const port = freePort();
  await Deno.writeTextFile(`${dir}/config.capnp`, configOf(port, trust));
  // workerd's output goes to stderr: stdout carries the runner's protocol.
  const child = new Deno.Command(WORKERD, {
    args: ["serve", `${dir}/config.capnp`],
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  const base = `http://127.0.0.1:${port}`;
  // workerd prints nothing once it listens: poll, bounded, failing at once if it died.
  let exited = false;
  child.status.then(() => exited = true);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const res = await fetch(base, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
    if (res !== undefined) {
      await res.body?.cancel();
      break;
    }
    if (exited) throw new Error("workerd exited before listening");
    if (Date.now() > deadline) throw new Error("workerd did not listen within 20 s");
    await new Promise((r) => setTimeout(r, 25));
  }
  return { trust, base, child, dir };
}

async function stop(running: Running): Promise<void> {
  try {
    running.child.kill("SIGTERM");
  } catch { /* already gone */ }
  await running.child.status;
  await Deno.remove(running.dir, { recursive: true }).catch(() => {});
}

/**
 * workerd trusting `trust` (kept when it already does, else restarted), held for the caller
 * until it calls `release()`.
 */
async function acquire(trust: Trust): Promise<Running> {
  for (;;) {
    if (starting !== undefined) await starting.catch(() => {});
    const r = current;
    const fits = r !== undefined && (trust.ca === "" || trust.ca === r.trust.ca) &&
      (trust.cert === "" || trust.cert === r.trust.cert);
    if (fits) {
      users++;
      return r!;
    }
    if (starting !== undefined) continue;
    // Keep what the running workerd already trusts, add what this request brings.
    const next: Trust = {
      ca: trust.ca || r?.trust.ca || "",
      cert: trust.cert || r?.trust.cert || "",
      key: trust.cert ? trust.key : r?.trust.key ?? "",
    };
    starting = (async () => {
      while (users > 0) await new Promise<void>((resolve) => idle = resolve);
      if (r !== undefined) await stop(r);
      current = await start(next);
      return current;
    })();
    try {
      await starting;
    } finally {
      starting = undefined;
    }
  }
}

function release(): void {
  if (--users === 0) idle?.();
}

async function relay(bytes: Uint8Array): Promise<void> {
  const req = fromBinary(ClientCompatRequestSchema, bytes);
  const running = await acquire({
    ca: decoder.decode(req.serverTlsCert),
    cert: req.clientTlsCreds ? decoder.decode(req.clientTlsCreds.cert) : "",
    key: req.clientTlsCreds ? decoder.decode(req.clientTlsCreds.key) : "",
  });
  try {
    const res = await fetch(running.base, { method: "POST", body: bytes as BufferSource });
    if (res.status !== 200) {
      throw new Error(`the worker answered ${res.status}: ${await res.text()}`);
    }
    await writeDelimited(process.stdout, new Uint8Array(await res.arrayBuffer()));
  } finally {
    release();
  }
}

const shutdown = async (code: number) => {
  if (current !== undefined) await stop(current);
  await Deno.remove(bundleDir, { recursive: true }).catch(() => {});
  Deno.exit(code);
};
Deno.addSignalListener("SIGTERM", () => void shutdown(0));

const relays = new Set<Promise<void>>();
try {
  for await (const bytes of readDelimited(process.stdin)) {
    const task: Promise<void> = relay(bytes).catch((e) => {
      console.error("relay failed:", e);
      void shutdown(1);
    }).finally(() => relays.delete(task));
    relays.add(task);
    while (relays.size >= MAX_IN_FLIGHT) await Promise.race(relays);
  }
  await Promise.all(relays);
} finally {
  await shutdown(0);
}
