// The bad-input servers as a process, for Bun and Node (and Deno): HTTP and gRPC on free
// loopback ports with a 1 KiB read limit, and a gRPC server on Connect-ES's handler
// (`fastPath: false`); prints one "bad-input serving <http> <grpc> <grpc-connect-es>" line and
// serves until killed.
import { createGrpcServer, createHttpServer } from "../../../transport/mod.ts";
import { READ_MAX_BYTES, services } from "./services.ts";

const http = createHttpServer({ address: "127.0.0.1:0", services, readMaxBytes: READ_MAX_BYTES });
const grpc = createGrpcServer({ address: "127.0.0.1:0", services, readMaxBytes: READ_MAX_BYTES });
const grpcEs = createGrpcServer({
  address: "127.0.0.1:0",
  services,
  readMaxBytes: READ_MAX_BYTES,
  fastPath: false,
});
await http.start();
await grpc.start();
await grpcEs.start();
console.log(
  `bad-input serving ${http.endpoint().href.replace(/\/$/, "")} http://${grpc.endpoint().host}` +
    ` http://${grpcEs.endpoint().host}`,
);
