// Baseline: a plain Hono JSON route doing the same work as SayHello.
import { Hono } from "hono";
import { listen } from "./listen.ts";

const app = new Hono();
app.post("/hello", async (c) => {
  const { name } = await c.req.json<{ name: string }>();
  return c.json({ message: `Hello ${name}` });
});
await listen(app.fetch);
