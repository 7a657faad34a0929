// The server under test on workerd, for `connectconformance --mode server`:
//
//   deno run -A workerd.ts --bundle <worker.js> [--fast-path false]
//
// Reads the ServerCompatRequest, writes a workerd config serving the bundled worker.ts on a free
// 127.0.0.1 port (HTTPS with the runner's certificate when asked, client certificates required
// when the runner sends one), starts workerd, answers the ServerCompatResponse once the port
// accepts connections, and stops workerd on SIGTERM. workerd speaks HTTP/1.1 only.
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  ServerCompatRequestSchema,
  ServerCompatResponseSchema,
} from "../gen/connectrpc/conformance/v1/server_compat_pb.ts";
import { freePort } from "../../support/process.ts";
import { WORKERD } from "../../support/tools.ts";
import { readDelimited, writeDelimited } from "./stdio.ts";

const flag = (name: string) => {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Deno.args[i + 1] : undefined;
};
const bundle = flag("bundle");
if (bundle === undefined) throw new Error("--bundle <worker.js> is required");
const fastPath = flag("fast-path") !== "false";

const request = fromBinary(ServerCompatRequestSchema, await readDelimited());
const dir = await Deno.makeTempDir({ prefix: "atreus-conformance-workerd-" });
await Deno.copyFile(bundle, `${dir}/worker.js`);
const port = freePort();
let socket = `http = ()`;
if (request.useTls) {
  const creds = request.serverCreds;
  if (creds === undefined) throw new Error("use_tls without server_creds");
  await Deno.writeFile(`${dir}/cert.pem`, creds.cert);
  await Deno.writeFile(`${dir}/key.pem`, creds.key);
  let clientCerts = "";
  if (request.clientTlsCert.length > 0) {
    await Deno.writeFile(`${dir}/client-ca.pem`, request.clientTlsCert);
    clientCerts = `, requireClientCerts = true, trustedCertificates = [embed "client-ca.pem"]`;
  }
  socket = `https = (options = (), tlsOptions = (keypair = (privateKey = embed "key.pem", ` +
    `certificateChain = embed "cert.pem")${clientCerts}))`;
}
await Deno.writeTextFile(
  `${dir}/config.capnp`,
  `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .main) ],
  sockets = [ (name = "rpc", address = "127.0.0.1:${port}", ${socket}, service = "main") ],
);
const main :Workerd.Worker = (
  modules = [ (name = "worker", esModule = embed "worker.js") ],
  compatibilityDate = "2025-09-01",
  compatibilityFlags = ["nodejs_compat"],
  bindings = [
    (name = "READ_MAX_BYTES", text = "${request.messageReceiveLimit}"),
    (name = "FAST_PATH", text = "${fastPath}"),
  ],
);
`,
);
// workerd's output goes to stderr: stdout carries the runner's protocol.
const workerd = new Deno.Command(WORKERD, {
  args: ["serve", `${dir}/config.capnp`],
  stdin: "null",
  stdout: "inherit",
  stderr: "inherit",
}).spawn();
const exited = workerd.status;

const stop = async () => {
  try {
    workerd.kill("SIGTERM");
  } catch { /* already gone */ }
  await exited;
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  Deno.exit(0);
};
Deno.addSignalListener("SIGTERM", stop);
Deno.addSignalListener("SIGINT", stop);

// workerd prints nothing once it listens: poll the port (a TCP connect, so TLS and client
// certificates do not matter), bounded, and fail at once if workerd died.
const deadline = Date.now() + 20_000;
let up = false;
exited.then((s) => {
  if (!up) {
    console.error(`workerd exited (${s.code}) before listening`);
    Deno.exit(1);
  }
});
while (!up) {
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port })).close();
    up = true;
  } catch {
    if (Date.now() > deadline) {
      console.error("workerd did not listen within 20 s");
      await stop();
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}
writeDelimited(toBinary(ServerCompatResponseSchema, {
  $typeName: "connectrpc.conformance.v1.ServerCompatResponse",
  host: "127.0.0.1",
  port,
  pemCert: request.useTls ? request.serverCreds!.cert : new Uint8Array(0),
}));
const status = await exited;
// workerd stopping by itself is a failure the runner should see.
console.error(`workerd exited (${status.code})`);
Deno.exit(1);
