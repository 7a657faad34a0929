// Baseline: Connect-ES's own server path behind Hono, the way apps mount it today
// (universalServerRequestFromFetch → router handler → universalServerResponseToFetch).
import { Hono } from "hono";
import { createConnectRouter } from "@connectrpc/connect";
import {
  universalServerRequestFromFetch,
  universalServerResponseToFetch,
} from "@connectrpc/connect/protocol";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { GreeterService } from "../../examples/helloworld/internal/service/greeter.ts";
import { listen } from "./listen.ts";

const router = createConnectRouter().service(Greeter, new GreeterService());
const app = new Hono();
for (const h of router.handlers) {
  app.on(h.allowedMethods, h.requestPath, async (c) =>
    universalServerResponseToFetch(
      await h(universalServerRequestFromFetch(c.req.raw, { httpVersion: "1.1" })),
    ));
}
await listen(app.fetch);
