// A real browser: headless Chromium loads the helloworld demo page and calls SayHello through
// @connectrpc/connect-web over Connect and gRPC-Web — same origin, and cross-origin (CORS).
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { run } from "../support/process.ts";
import { startHelloworld } from "../support/helloworld.ts";
import { root } from "../support/tools.ts";

const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

Deno.test("Chromium calls helloworld over Connect and gRPC-Web", async (t) => {
  const build = await run(Deno.execPath(), ["task", "build:web"], {
    cwd: root,
    timeoutMs: 120_000,
  });
  assert.equal(build.code, 0, build.stderr);
  const hw = await startHelloworld("deno");
  // A second origin serving the same page, so the calls are cross-origin and need CORS.
  const page = await Deno.readTextFile(`${root}examples/helloworld/web/index.html`);
  const js = await Deno.readTextFile(`${root}dist/helloworld-web.js`);
  const other = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (req) =>
      new URL(req.url).pathname === "/app.js"
        ? new Response(js, { headers: { "content-type": "text/javascript" } })
        : new Response(page, { headers: { "content-type": "text/html" } }),
  );
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
  });
  try {
    for (
      const [label, url] of [
        ["same origin", `${hw.http}/?name=chromium`],
        ["cross origin", `http://127.0.0.1:${other.addr.port}/?name=cors&api=${hw.http}`],
      ]
    ) {
      await t.step(label, async () => {
        const tab = await browser.newPage();
        try {
          await tab.goto(url, { timeout: 15_000 });
          await tab.waitForSelector("body[data-done]", { timeout: 15_000 });
          const who = label === "same origin" ? "chromium" : "cors";
          assert.equal(await tab.textContent("#connect"), `Hello ${who}`);
          assert.equal(await tab.textContent("#grpc-web"), `Hello ${who}`);
          assert.equal(
            await tab.textContent("#connect-stream"),
            `Hello ${who} (1/2) | Hello ${who} (2/2)`,
          );
        } finally {
          await tab.close();
        }
      });
    }
  } finally {
    await browser.close();
    await other.shutdown();
    await hw.child.close();
  }
});
