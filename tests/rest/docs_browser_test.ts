// The API docs page in a real browser with no internet: headless Chromium opens helloworld's
// /docs with every request to a host other than 127.0.0.1 blocked (and recorded), Swagger UI
// renders from the assets the app serves itself, lists helloworld's operations, and "Try it
// out" on GET /helloworld/{name} shows the greeting. A screenshot must show a rendered page.
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { startHelloworld } from "../support/helloworld.ts";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

Deno.test("Swagger UI works offline: operations listed, try it out says Hello", async () => {
  const hw = await startHelloworld("deno");
  const profile = await Deno.makeTempDir({ prefix: "atreus-chromium-" });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 1000 },
  });
  const blocked: string[] = [];
  const served: string[] = [];
  try {
    await context.route("**/*", async (route) => {
      const url = new URL(route.request().url());
      if (url.hostname !== "127.0.0.1") {
        blocked.push(url.href);
        await route.abort("blockedbyclient");
        return;
      }
      served.push(url.pathname);
      await route.continue();
    });
    const page = await context.newPage();
    await page.goto(`${hw.http}/docs`, { timeout: 20_000 });
    await page.waitForSelector(".opblock", { timeout: 20_000 });
    const paths = await page.locator(".opblock-summary-path").allTextContents();
    const normalized = paths.map((p) => p.replace(/\u200b/g, "").trim());
    assert.ok(normalized.includes("/helloworld/{name}"), normalized.join(", "));
    assert.ok(normalized.includes("/helloworld/{name}/stream"), normalized.join(", "));
    assert.match(await page.locator(".info .title").innerText(), /helloworld/);

    const op = page.locator(".opblock-get", { hasText: "/helloworld/{name}" }).first();
    await op.locator(".opblock-summary").first().click();
    await op.locator("button.try-out__btn").click();
    await op.locator('input[placeholder="name"]').fill("offline");
    await op.locator("button.execute").click();
    const body = op.locator(".responses-wrapper .live-responses-table .microlight").first();
    await body.waitFor({ timeout: 15_000 });
    assert.match(await body.innerText(), /Hello offline/);

    // A rendered page, not a blank one: many colours, and ink on a good part of it.
    const png = await page.screenshot({ fullPage: false });
    const { colours, inked } = await page.evaluate(async (b64: string) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const canvas = document.createElement("canvas");
      [canvas.width, canvas.height] = [img.width, img.height];
      const ctx = canvas.getContext("2d")!;
      ctx.drawImage(img, 0, 0);
      const { data } = ctx.getImageData(0, 0, img.width, img.height);
      const seen = new Set<number>();
      let ink = 0;
      for (let i = 0; i < data.length; i += 4) {
        seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
        if (data[i] + data[i + 1] + data[i + 2] < 600) ink++;
      }
      return { colours: seen.size, inked: ink / (data.length / 4) };
    }, png.toString("base64"));
    assert.ok(colours > 100, `${colours} colours: a blank page?`);
    assert.ok(inked > 0.02, `${(inked * 100).toFixed(1)} % of the page has ink`);
    assert.deepEqual(blocked, [], "the page asked for something off this machine");
    assert.ok(served.some((p) => p.endsWith("/swagger-ui-bundle.js")), served.join(" "));
  } finally {
    await context.close();
    await Deno.remove(profile, { recursive: true });
    await hw.child.close();
  }
});
