// Atreus's HTTP server (Connect, gRPC-Web) or gRPC server serving helloworld's Greeter.
//   --grpc          serve the gRPC server (node:http2) instead of the HTTP server
//   --middleware    add the default server middleware
import process from "node:process";
import { createGrpcServer, createHttpServer, type Middleware } from "../../transport/mod.ts";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { GreeterService } from "../../examples/helloworld/internal/service/greeter.ts";
import { defaultMiddleware } from "./middleware.ts";
import { flag } from "./listen.ts";

const middleware: Middleware[] = flag("--middleware") ? defaultMiddleware() : [];
const services = [[Greeter, new GreeterService()]] as const;
const options = { address: "127.0.0.1:0", services, middleware, timeout: 0 };
const server = flag("--grpc") ? createGrpcServer(options) : createHttpServer(options);
await server.start();
console.log(`listening ${server.endpoint().port}`);
const stop = () => void server.stop().then(() => process.exit(0));
process.on("SIGTERM", stop);
