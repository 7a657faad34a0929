// helloworld exactly as shipped (examples/helloworld/internal/app/app.ts): its config, CORS,
// deadline, middleware and logger, logfmt at info to stdout (which the bench redirects to a
// file). Only the addresses differ: HTTP on 127.0.0.1 (`--port N`, or any free port), gRPC off
// unless --grpc.
import { newHelloworld } from "../../examples/helloworld/internal/app/app.ts";
import { announce, flag, portArg } from "./listen.ts";

const grpc = flag("--grpc");
const app = await newHelloworld({
  http: `127.0.0.1:${portArg()}`,
  grpc: grpc ? "127.0.0.1:0" : "",
  stopTimeoutMs: 2_000,
  onServing: (endpoints) => announce(Number(new URL(endpoints[grpc ? 1 : 0]).port)),
});
await app.run();
