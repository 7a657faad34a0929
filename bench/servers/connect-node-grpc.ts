// Baseline: Connect-ES's node adapter on node:http2 (gRPC over h2c).
import * as http2 from "node:http2";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { announce } from "./listen.ts";
import { GreeterService } from "../../examples/helloworld/internal/service/greeter.ts";

const server = http2.createServer(
  connectNodeAdapter({ routes: (router) => router.service(Greeter, new GreeterService()) }),
);
server.listen(0, "127.0.0.1", () => {
  const addr = server.address();
  announce(typeof addr === "object" && addr ? addr.port : 0);
});
