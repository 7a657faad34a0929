// Atreus's HTTP server (Connect, gRPC-Web) or gRPC server serving helloworld's Greeter, bare or
// with one option at a time (each bench row adds one):
//   --grpc          serve the gRPC server (node:http2) instead of the HTTP server
//   --middleware    recovery + metadata + logging into a discarding sink
//   --cors          cors: { origin: "*" } (rows send an Origin header)
//   --timeout       timeout: 1000 (a deadline on every call)
//   --log           recovery + metadata + logging, logfmt at info to stdout (the bench
//                   redirects it to a file), with a timestamp
//   --caller        with --log: "caller" in the prefix too
//   --dropped       with --log: the logger's level is warn, so each call's info line is dropped
import process from "node:process";
import { createGrpcServer, createHttpServer, type Middleware } from "../../transport/mod.ts";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { GreeterService } from "../../examples/helloworld/internal/service/greeter.ts";
import { defaultMiddleware, fileLogMiddleware } from "./middleware.ts";
import { announce, flag } from "./listen.ts";

const middleware: Middleware[] = flag("--log")
  ? fileLogMiddleware({ caller: flag("--caller"), level: flag("--dropped") ? "warn" : "info" })
  : flag("--middleware")
  ? defaultMiddleware()
  : [];
const services = [[Greeter, new GreeterService()]] as const;
const options = {
  address: "127.0.0.1:0",
  services,
  middleware,
  timeout: flag("--timeout") ? 1000 : 0,
  cors: flag("--cors") ? { origin: "*" } : undefined,
};
const server = flag("--grpc") ? createGrpcServer(options) : createHttpServer(options);
await server.start();
announce(Number(server.endpoint().port));
const stop = () => void server.stop().then(() => process.exit(0));
process.on("SIGTERM", stop);
