// helloworld on Cloudflare Workers (workerd): Connect and gRPC-Web over the Fetch API.
import { App } from "../../mod.ts";
import { newHttpServer } from "./internal/server/server.ts";

const app = new App({
  name: "helloworld",
  version: "v1.0.0",
  servers: [newHttpServer({ httpAddress: ":0", grpcAddress: "" })],
});

export default app.toWorker();
