// Serves the browser demo (web/index.html and its bundle) from the HTTP server: an example of
// plain Hono routes living next to the RPC routes.
import type { Hono } from "hono";

// Loaded by the first page request: a service that never serves the page never loads node:fs.
const readFile = async (url: URL, encoding: "utf8") =>
  (await import("node:fs/promises")).readFile(url, encoding);

/** Adds `GET /` (the page) and `GET /app.js` (the bundle from `deno task build:web`). */
export function addWebRoutes(app: Hono): void {
  const here = new URL("../../", import.meta.url);
  app.get("/", async (c) => c.html(await readFile(new URL("web/index.html", here), "utf8")));
  app.get("/app.js", async (c) => {
    try {
      const js = await readFile(new URL("../../dist/helloworld-web.js", here), "utf8");
      return c.body(js, 200, { "content-type": "text/javascript; charset=utf-8" });
    } catch {
      return c.text("dist/helloworld-web.js is missing: run `deno task build:web`", 404);
    }
  });
}
