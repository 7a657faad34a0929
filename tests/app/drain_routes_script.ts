// A service with two user routes on the HTTP server's Hono app, for drain_routes_test.ts, on
// Deno, Bun and Node. Both finish only when their client ends the request body, so the test
// decides when they end (no timers). When they do, each asks its own server, in process, what
// a new request gets now, and reports it in its reply.
import process from "node:process";
import { type Context, Hono } from "hono";
import { App } from "../../app.ts";
import { createHttpServer } from "../../transport/mod.ts";

const web = new Hono();
const server = createHttpServer({ address: "127.0.0.1:0", reflection: false, app: web });

async function probe(): Promise<{ status: number; retryAfter: string | null; body: string }> {
  const res = await server.fetch(new Request("http://127.0.0.1/echo", { method: "POST" }));
  return { status: res.status, retryAfter: res.headers.get("retry-after"), body: await res.text() };
}

// Through the server's middleware (server.route): the reply comes once the body has ended.
web.post(
  "/slow",
  server.route("/test.v1.Slow/Post", async (c: Context) => {
    console.log("slow started");
    const received = await c.req.text();
    const inFlight = server.inFlight;
    return c.json({ received, inFlight, probe: await probe() });
  }),
);

// A plain Hono route streaming its reply: the handler returns at once; the call is in flight
// until the body it streams (the request body, upper-cased) ends.
web.post("/echo", (c: Context) => {
  console.log("echo started");
  const reader = c.req.raw.body!.getReader();
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  return new Response(
    new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (!done) {
          controller.enqueue(encoder.encode(decoder.decode(value).toUpperCase()));
          return;
        }
        const p = await probe();
        controller.enqueue(
          encoder.encode(`|inflight=${server.inFlight}|probe=${JSON.stringify(p)}`),
        );
        controller.close();
      },
    }),
    { headers: { "content-type": "text/plain" } },
  );
});

const app = new App({
  name: "drain-routes",
  servers: [server],
  stopTimeoutMs: 20_000,
  afterStart: () => console.log(`serving ${server.endpoint().href}`),
});
await app.run();
console.log("exited cleanly");
process.exitCode = 0;
