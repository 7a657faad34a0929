// An HTTP server with small connection limits, for slow_clients_test.ts on Deno, Bun and Node.
// Prints its URL, then its RSS whenever a line arrives on stdin.
import process from "node:process";
import { Hono } from "hono";
import { createHttpServer } from "../../transport/mod.ts";
import { setLogger } from "../../log/mod.ts";

setLogger({ log() {} });
const app = new Hono();
const server = createHttpServer({
  address: "127.0.0.1:0",
  app,
  headersTimeoutMs: Number(process.env.HEADERS_TIMEOUT_MS ?? 400),
  requestTimeoutMs: Number(process.env.REQUEST_TIMEOUT_MS ?? 800),
  keepAliveTimeoutMs: Number(process.env.KEEP_ALIVE_TIMEOUT_MS ?? 400),
  maxHeaderBytes: 8 * 1024,
  ...(process.env.TLS_CERT && process.env.TLS_KEY
    ? { tls: { cert: process.env.TLS_CERT, key: process.env.TLS_KEY } }
    : {}),
});
app.post("/echo", async (c) => c.text(`got ${(await c.req.text()).length}`));
app.get("/ping", (c) => c.text("pong"));
await server.start();
console.log(`serving ${server.endpoint().href}`);
process.stdin.on("data", () => console.log(`rss ${process.memoryUsage().rss}`));
