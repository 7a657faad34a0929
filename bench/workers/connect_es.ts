// Connect-ES's own router behind Hono serving helloworld's Greeter, nothing of Atreus: the baseline
// server of the HTTP groups (servers/connect-es.ts) and the floor of the bundle group (built with
// the flags of `deno task build:worker`).
import { Hono } from "hono";
import { createConnectRouter } from "@connectrpc/connect";
import {
  universalServerRequestFromFetch,
  universalServerResponseToFetch,
} from "@connectrpc/connect/protocol";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { GreeterService } from "../../examples/helloworld/internal/service/greeter.ts";

const router = createConnectRouter().service(Greeter, new GreeterService());
const app = new Hono();
for (const h of router.handlers) {
  app.on(h.allowedMethods, h.requestPath, async (c) =>
    universalServerResponseToFetch(
      await h(universalServerRequestFromFetch(c.req.raw, { httpVersion: "1.1" })),
    ));
}
export default { fetch: app.fetch };
