// The API docs page in a real browser with no internet: headless Chromium opens helloworld's
// /docs with every request to a host other than 127.0.0.1 blocked (and recorded), Swagger UI
// renders from the assets the app serves itself, lists helloworld's operations, and "Try it
// out" on GET /helloworld/{name} shows the greeting. A screenshot must show a rendered page.
import assert from "node:assert/strict";
import { inkOf, launchOffline } from "../support/browser.ts";
import { startHelloworld } from "../support/helloworld.ts";

Deno.test("Swagger UI works offline: operations listed, try it out says Hello", async () => {
  const hw = await startHelloworld("deno");
  const browser = await launchOffline();
  const { context, blocked, served } = browser;
  try {
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
    const { colours, inked } = await inkOf(page, png);
    assert.ok(colours > 100, `${colours} colours: a blank page?`);
    assert.ok(inked > 0.02, `${(inked * 100).toFixed(1)} % of the page has ink`);
    assert.deepEqual(blocked, [], "the page asked for something off this machine");
    assert.ok(served.some((p) => p.endsWith("/swagger-ui-bundle.js")), served.join(" "));
  } finally {
    await browser.close();
    await hw.child.close();
  }
});
