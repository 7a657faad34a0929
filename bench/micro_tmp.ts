import { createHttpServer } from "../transport/mod.ts";
import { Greeter } from "../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { Hono } from "hono";
const impl = { sayHello: (r: { name: string }) => ({ message: `Hello ${r.name}` }) };
const atreus = createHttpServer({
  services: [[Greeter, impl]],
  timeout: 0,
  reflection: false,
  health: false,
  rest: false,
});
const app = new Hono();
app.post("/hello", async (c) => {
  const { name } = await c.req.json();
  return c.json({ message: `Hello ${name}` });
});
const body = '{"name":"bench"}';
const mk = (p: string) =>
  new Request("http://localhost" + p, {
    method: "POST",
    headers: { "content-type": "application/json", "content-length": "16" },
    body,
  });
async function run(name: string, f: () => Response | Promise<Response>) {
  for (let i = 0; i < 30000; i++) await (await f()).text();
  const res = [];
  for (let k = 0; k < 5; k++) {
    const n = 40000;
    const t = performance.now();
    for (let i = 0; i < n; i++) await (await f()).text();
    res.push((performance.now() - t) * 1000 / n);
  }
  res.sort((a, b) => a - b);
  console.log(name.padEnd(12), res[2].toFixed(2), "µs (median of 5)");
}
await run("hono", () => app.fetch(mk("/hello")));
await run("atreus", () => atreus.fetch(mk("/helloworld.v1.Greeter/SayHello")));
