// The gRPC server and the HTTP server with default limits (but the timeouts), for h2_abuse_test.ts on Deno, Bun
// and Node. The request timeouts are small, so that streams never sending their body are
// answered in a test's time (Deno.serve and Bun.serve take no such setting). Prints both URLs, then its RSS whenever a line arrives on stdin.
import process from "node:process";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { createGrpcServer, createHttpServer } from "../../transport/mod.ts";
import { setLogger } from "../../log/mod.ts";

setLogger({ log() {} });
const services = [[Greeter, {
  sayHello: (req: { name: string }) => ({ message: `Hello ${req.name}` }),
}]] as const;
const http = createHttpServer({
  address: "127.0.0.1:0",
  services,
  requestTimeoutMs: 500,
});
const grpc = createGrpcServer({ address: "127.0.0.1:0", services, requestTimeoutMs: 500 });
await http.start();
await grpc.start();
console.log(`serving ${http.endpoint().href} ${grpc.endpoint().port}`);
let asked = 0;
process.stdin.on("data", () => console.log(`rss ${process.memoryUsage().rss} ${++asked}`));
