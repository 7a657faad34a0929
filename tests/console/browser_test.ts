// `atreus console` in a real browser, against the registry example as the README runs it: a
// real etcd, two helloworld instances and the gateway (each publishing its /metrics), and a
// helloworld instance without /metrics, all child processes, and the console started
// by the CLI. Headless Chromium, every host but 127.0.0.1 blocked, checks what a user sees:
// services and instances with SERVING, the Greeter's methods and fields from reflection, calls
// that answer `Hello …` and USER_NOT_FOUND, a stream message by message, metrics charts with
// points, a SIGTERMed instance leaving the page, registry metadata shown as text (a `<script>`
// stays text), and screenshots at laptop and phone widths that are not blank.
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { etcd as etcdRegistry } from "../../registry/mod.ts";
import { createClient } from "../../transport/client/mod.ts";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { inkOf, launchOffline } from "../support/browser.ts";
import { startEtcd } from "../support/etcd.ts";
import { Child } from "../support/process.ts";
import { root } from "../support/tools.ts";

const WAIT = { timeout: 30_000 };
/** Where the screenshots go (docs/console.png is copied from here by hand). */
export const SHOTS = `${root}.tmp/console-screenshots`;

function deno(name: string, args: string[]): Child {
  return new Child(name, Deno.execPath(), ["run", "-A", ...args], { cwd: root });
}

const XSS = `<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">`;

async function shot(page: Page, name: string): Promise<void> {
  const png = await page.screenshot({ fullPage: false, path: `${SHOTS}/${name}.png` });
  const { colours, inked } = await inkOf(page, png);
  assert.ok(colours > 50, `${name}: ${colours} colours, a blank page?`);
  assert.ok(inked > 0.02, `${name}: ${(inked * 100).toFixed(1)} % of the page has ink`);
}

async function waitCount(page: Page, selector: string, n: number, what: string): Promise<void> {
  try {
    await page.waitForFunction(
      ([s, want]) => document.querySelectorAll(s as string).length === want,
      [selector, n] as const,
      WAIT,
    );
  } catch (error) {
    const got = await page.locator(selector).count();
    throw new Error(`${what}: want ${n} of ${selector}, have ${got}: ${(error as Error).message}`);
  }
}

Deno.test("atreus console in Chromium: services, health, API, calls, metrics, SIGTERM, escaping", async () => {
  await Deno.mkdir(SHOTS, { recursive: true });
  const etcd = await startEtcd();
  const children: Child[] = [];
  const spawn = (name: string, args: string[]) => {
    const child = deno(name, args);
    children.push(child);
    return child;
  };
  const planted = etcdRegistry({ endpoint: etcd.endpoint, ttlMs: 15_000 });
  const evil = {
    id: "evil-1",
    name: `evil<svg onload="window.__pwned = 4">`,
    version: "v0<i>x",
    metadata: { note: XSS, [`<img src=x onerror="window.__pwned = 3">`]: "key" },
    endpoints: ["grpc://127.0.0.1:1"],
  };
  const browser = await launchOffline({ width: 1280, height: 900 });
  try {
    const serving = /helloworld (\S+) serving http:\/\/\S+ grpc:\/\/(\S+) \(registered in etcd\)/;
    const etcdFlag = ["--etcd", etcd.endpoint];
    const h1 = spawn("helloworld-1", ["examples/registry/helloworld.ts", ...etcdFlag]);
    const h2 = spawn("helloworld-2", ["examples/registry/helloworld.ts", ...etcdFlag]);
    const unmetered = spawn("unmetered", ["tests/console/unmetered_helloworld.ts", ...etcdFlag]);
    const gw = spawn("gateway", [
      "examples/registry/gateway.ts",
      ...etcdFlag,
      "--http",
      "127.0.0.1:0",
      "--grpc",
      "127.0.0.1:0",
    ]);
    const [, id1] = await h1.waitFor(serving, 60_000);
    const [, id2, grpc2] = await h2.waitFor(serving, 60_000);
    const [, unmeteredId] = await unmetered.waitFor(
      /unmetered helloworld (\S+) serving http:\/\/\S+ grpc:\/\/\S+/,
      60_000,
    );
    await gw.waitFor(/gateway serving/, 60_000);
    await planted.register(evil);

    const started = performance.now();
    const cli = spawn("console", [
      "cmd/atreus/main.ts",
      "console",
      "--registry",
      etcd.endpoint.replace("http://", "etcd://"),
      "--listen",
      "127.0.0.1:0",
      "--allow-calls",
    ]);
    const [, url] = await cli.waitFor(/atreus console: serving (http:\/\/\S+)/, 60_000);
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(url, WAIT);

    // Both services, every instance, all SERVING, pushed without reloading.
    await page.locator('a[data-service="helloworld"]').waitFor(WAIT);
    await page.locator('a[data-service="gateway"]').waitFor(WAIT);
    await page.locator('a[data-service="helloworld"]').click();
    await waitCount(page, ".instance", 3, "helloworld instances");
    await waitCount(page, '.instance [data-health="SERVING"]', 3, "helloworld instances SERVING");
    for (const id of [id1, id2, unmeteredId]) {
      await page.locator(`.instance[data-instance="${id}"]`).waitFor(WAIT);
    }
    const ready = Math.round(performance.now() - started);
    await shot(page, "instances");
    await page.locator('a[data-service="gateway"]').click();
    await waitCount(page, '.instance [data-health="SERVING"]', 1, "gateway SERVING");

    // The Greeter's methods and fields, from reflection.
    await page.goto(`${url}#/helloworld/api`, WAIT);
    const sayHello = page.locator('details[data-method="/helloworld.v1.Greeter/SayHello"]');
    await sayHello.waitFor(WAIT);
    await sayHello.locator("summary").click();
    const nameField = sayHello.locator(
      '[data-message="helloworld.v1.HelloRequest"] [data-field="name"]',
    );
    assert.match(await nameField.innerText(), /name\s+string\s+1/);
    const stream = page.locator('details[data-method="/helloworld.v1.Greeter/SayHelloStream"]');
    await stream.locator("summary").click();
    const fields = await stream.locator(
      '[data-message="helloworld.v1.HelloStreamRequest"] [data-field]',
    ).allInnerTexts();
    assert.deepEqual(fields.map((f) => f.split(/\s+/).slice(0, 2).join(" ")), [
      "name string",
      "count int32",
      "interval_ms int32",
    ]);
    assert.match(await stream.locator(".kind").first().innerText(), /server stream/);
    await shot(page, "api");

    // Try a call: from the API view's button, over gRPC to a chosen instance.
    await sayHello.locator("button.try-button").click();
    const body = page.locator("#try-body");
    await body.waitFor(WAIT);
    assert.equal(await page.locator("#try-method").inputValue(), "/helloworld.v1.Greeter/SayHello");
    assert.deepEqual(JSON.parse(await body.inputValue()), { name: "" });
    await page.locator("#try-instance").selectOption(id2);
    assert.match(await page.locator("#try-target").inputValue(), /^grpc grpc:\/\//);
    await body.fill(JSON.stringify({ name: "console" }));
    await page.locator("#try-send").click();
    await page.locator('#try-status [data-code="OK"]').waitFor(WAIT);
    assert.match(await page.locator("#try-messages").innerText(), /"message": "Hello console"/);
    await shot(page, "try");

    await body.fill(JSON.stringify({ name: "nobody" }));
    await body.press("Control+Enter");
    await page.locator('#try-status [data-reason="USER_NOT_FOUND"]').waitFor(WAIT);
    assert.match(
      await page.locator("#try-status").innerText(),
      /NOT_FOUND · reason USER_NOT_FOUND/,
    );

    // A server stream over Connect, message by message.
    await page.locator("#try-method").selectOption("/helloworld.v1.Greeter/SayHelloStream");
    const connect = await page.locator("#try-target option", { hasText: "Connect" }).first()
      .getAttribute("value");
    await page.locator("#try-target").selectOption(connect!);
    await body.fill(JSON.stringify({ name: "s", count: 3, intervalMs: 50 }));
    await page.locator("#try-send").click();
    await page.locator('#try-status [data-code="OK"]').waitFor(WAIT);
    assert.deepEqual(
      (await page.locator("#try-messages pre").allInnerTexts()).map((t) => JSON.parse(t).message),
      ["Hello s (1/3)", "Hello s (2/3)", "Hello s (3/3)"],
    );

    // Metrics: calls to one of the example's instances show up as points in its charts (read
    // from its own /metrics, OpenTelemetry's RPC conventions).
    const greeter = createClient(Greeter, { endpoint: `grpc://${grpc2}`, protocol: "grpc" });
    let calling = true;
    const load = (async () => {
      while (calling) {
        await greeter.sayHello({ name: "m" });
        await greeter.sayHello({ name: "nobody" }).catch(() => {});
      }
    })();
    try {
      await page.goto(`${url}#/helloworld/metrics`, WAIT);
      const rps =
        `.instance-metrics[data-instance="${id2}"] .op-row[data-op="/helloworld.v1.Greeter/SayHello"] .chart[data-kind="rps"]`;
      await page.waitForFunction(
        (s) => Number(document.querySelector(s)?.getAttribute("data-points") ?? 0) >= 3,
        rps,
        WAIT,
      );
      const caption = await page.locator(`${rps} figcaption`).innerText();
      assert.match(caption, /requests\/s: [\d.]+ req\/s/);
      const errorsCaption = await page.locator(rps.replace('"rps"', '"errors"') + " figcaption")
        .innerText();
      const share = Number(errorsCaption.match(/([\d.]+) % errors/)?.[1]);
      assert.ok(
        share > 0 && share < 100,
        `half the calls fail with USER_NOT_FOUND: ${errorsCaption}`,
      );
      assert.match(
        await page.locator(rps.replace('"rps"', '"latency"') + " figcaption").innerText(),
        /p50 [\d.]+ ms, p99 [\d.]+ ms/,
      );
      // An instance that publishes no /metrics says so.
      assert.match(
        await page.locator(`.instance-metrics[data-instance="${unmeteredId}"]`).innerText(),
        /no \/metrics/,
      );
      await shot(page, "metrics");
    } finally {
      calling = false;
      await load;
      await greeter.close();
    }

    // SIGTERM: the instance deregisters and leaves the page.
    await page.goto(`${url}#/helloworld/instances`, WAIT);
    await waitCount(page, ".instance", 3, "before SIGTERM");
    h1.kill("SIGTERM");
    await page.locator(`.instance[data-instance="${id1}"]`).waitFor({ state: "detached", ...WAIT });
    await waitCount(page, ".instance", 2, "after SIGTERM");
    assert.equal((await h1.exited(20_000)).code, 0, h1.output);

    // Registry data is text: the planted service's name, version and metadata show literally.
    await page.locator("a.service-link", { hasText: "evil<svg" }).click();
    const card = page.locator('.instance[data-instance="evil-1"]');
    await card.waitFor(WAIT);
    const text = await card.innerText();
    assert.ok(text.includes(XSS), text);
    assert.ok(text.includes(`<img src=x onerror="window.__pwned = 3">=key`), text);
    assert.equal(await page.locator("#service-title").innerText(), evil.name);
    await card.locator('[data-health="UNREACHABLE"]').waitFor(WAIT);
    const dom = await page.evaluate(() => ({
      pwned: (globalThis as { __pwned?: number }).__pwned,
      scripts: document.scripts.length,
      imgs: document.querySelectorAll("main img, nav img").length,
    }));
    assert.deepEqual(dom, { pwned: undefined, scripts: 1, imgs: 0 });

    // A phone.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${url}#/helloworld/instances`, WAIT);
    await waitCount(page, '.instance [data-health="SERVING"]', 2, "phone: SERVING");
    const overflow = await page.evaluate(() =>
      document.documentElement.scrollWidth - globalThis.innerWidth
    );
    assert.ok(overflow <= 0, `the page is ${overflow} px wider than the phone`);
    await shot(page, "phone");

    assert.deepEqual(errors, [], "errors on the page");
    assert.deepEqual(browser.blocked, [], "the page asked for something off this machine");
    cli.kill("SIGTERM");
    const exit = await cli.exited(10_000);
    assert.equal(exit.code, 0, cli.output);
    console.log(`console: page ready with 3 SERVING instances ${ready} ms after start`);
  } finally {
    await browser.close();
    await planted.deregister(evil).catch(() => {});
    await planted.close();
    for (const child of children) await child.close();
    await etcd.close();
  }
});
