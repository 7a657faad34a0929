// Headless Chromium for browser tests: Debian's /usr/bin/chromium through playwright-core, a
// fresh profile, nothing of Chrome's own networking, and every request to a host other than
// 127.0.0.1 blocked and recorded, so a page that needs the internet fails its test.
import { type BrowserContext, chromium, type Page } from "playwright-core";

/** Chromium flags for a quiet, sandbox-free headless run. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A browser with its profile, and what it tried to fetch off this machine. */
export interface OfflineBrowser extends AsyncDisposable {
  /** The context (one persistent profile). */
  readonly context: BrowserContext;
  /** URLs blocked because their host was not 127.0.0.1. */
  readonly blocked: string[];
  /** Paths requested from 127.0.0.1. */
  readonly served: string[];
  /** Closes the browser and removes the profile. */
  close(): Promise<void>;
}

/** Launches Chromium with a fresh profile, blocking every host but 127.0.0.1. */
export async function launchOffline(
  viewport: { width: number; height: number } = { width: 1280, height: 1000 },
): Promise<OfflineBrowser> {
  const profile = await Deno.makeTempDir({ prefix: "atreus-chromium-" });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    args: [...CHROMIUM_ARGS],
    viewport,
  });
  const blocked: string[] = [];
  const served: string[] = [];
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
  const close = async () => {
    await context.close();
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  };
  return { context, blocked, served, close, [Symbol.asyncDispose]: close };
}

/** How many colours a PNG has and what share of its pixels carry ink, measured in `page`. */
export async function inkOf(
  page: Page,
  png: Uint8Array,
): Promise<{ colours: number; inked: number }> {
  const b64 = btoa(Array.from(png, (b) => String.fromCharCode(b)).join(""));
  return await page.evaluate(async (data: string) => {
    const img = new Image();
    img.src = `data:image/png;base64,${data}`;
    await img.decode();
    const canvas = document.createElement("canvas");
    [canvas.width, canvas.height] = [img.width, img.height];
    const ctx = canvas.getContext("2d")!;
    ctx.drawImage(img, 0, 0);
    const { data: px } = ctx.getImageData(0, 0, img.width, img.height);
    const seen = new Set<number>();
    let ink = 0;
    for (let i = 0; i < px.length; i += 4) {
      seen.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
      if (px[i] + px[i + 1] + px[i + 2] < 600) ink++;
    }
    return { colours: seen.size, inked: ink / (px.length / 4) };
  }, b64);
}
