// The server under test for `connectconformance --mode server`, on Deno, Bun and Node 24:
//
//   main.ts --server http|grpc [--fast-path false]
//
// Reads one size-delimited ServerCompatRequest from stdin, starts an Atreus server on
// 127.0.0.1 (TLS and client certificates when asked), writes a size-delimited
// ServerCompatResponse to stdout and serves until SIGTERM. Logs go to stderr, which the runner
// shows when the process fails. `--fast-path false` serves every unary call through
// Connect-ES's handler instead of Atreus's fast path.
import process from "node:process";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { App } from "../../../mod.ts";
import { createLogger } from "../../../log/mod.ts";
import {
  brotli,
  createGrpcServer,
  createHttpServer,
  deflate,
  gzip,
  type Server,
  type TlsOptions,
} from "../../../transport/mod.ts";
import {
  ServerCompatRequestSchema,
  ServerCompatResponseSchema,
} from "../gen/connectrpc/conformance/v1/server_compat_pb.ts";
import { ConformanceService } from "../gen/connectrpc/conformance/v1/service_pb.ts";
import { conformanceService, requestTypes } from "./service.ts";
import { readDelimited, writeDelimited } from "./stdio.ts";

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const kind = flag("server") ?? "http";
if (kind !== "http" && kind !== "grpc") throw new Error(`--server must be http or grpc`);
const fastPath = flag("fast-path") !== "false";

const request = fromBinary(ServerCompatRequestSchema, await readDelimited());
const decoder = new TextDecoder();
let tls: TlsOptions | undefined;
if (request.useTls) {
  const creds = request.serverCreds;
  if (creds === undefined) throw new Error("use_tls without server_creds");
  tls = {
    cert: decoder.decode(creds.cert),
    key: decoder.decode(creds.key),
    ...(request.clientTlsCert.length > 0 ? { ca: decoder.decode(request.clientTlsCert) } : {}),
  };
}

const options = {
  address: "127.0.0.1:0",
  services: [[ConformanceService, conformanceService()]] as const,
  compression: [gzip, brotli, deflate],
  tls,
  fastPath,
  // The suite sends messages of several MiB and expects them served unless a limit is asked.
  readMaxBytes: request.messageReceiveLimit > 0 ? request.messageReceiveLimit : undefined,
  // Any in JSON needs the types it may hold: the requests echoed back in RequestInfo.
  jsonTypes: requestTypes,
  // The suite's deadlines come from the client; no server-side cap.
  timeoutMs: 0,
  reflection: false,
  health: false,
};
const server: Server & { endpoint(): URL } = kind === "http"
  ? createHttpServer({ ...options, rest: false })
  : createGrpcServer(options);

const app = new App({
  name: "conformance",
  logger: createLogger({ sink: "stderr" }),
  servers: [server],
  stopTimeoutMs: 2000,
  afterStart: () => {
    const url = server.endpoint();
    writeDelimited(toBinary(
      ServerCompatResponseSchema,
      {
        $typeName: "connectrpc.conformance.v1.ServerCompatResponse",
        host: url.hostname,
        port: Number(url.port),
        pemCert: request.useTls ? request.serverCreds!.cert : new Uint8Array(0),
      },
    ));
  },
});
await app.run();
process.exit(0);
