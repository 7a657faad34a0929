// The bad-input HTTP server as a Cloudflare worker (workerd serves the Fetch handler; there is
// no HTTP/2 listener for native gRPC on Workers).
import { App } from "../../../mod.ts";
import { createHttpServer } from "../../../transport/mod.ts";
import { READ_MAX_BYTES, services } from "./services.ts";

const http = createHttpServer({ address: ":0", services, readMaxBytes: READ_MAX_BYTES });
export default new App({ name: "bad-input", servers: [http] }).toWorker();
