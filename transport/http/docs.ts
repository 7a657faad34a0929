// The API explorer at /docs: Swagger UI's page from @hono/swagger-ui, with its script and
// stylesheet served by the app itself from npm swagger-ui-dist instead of a public CDN, so the
// page works where the internet does not reach (air-gapped clusters, CI). The assets are read
// from the installed package on the first request for them and kept: an app that never opens
// its docs never loads them, and a Workers bundle never contains them.
import type { Context, Hono, MiddlewareHandler } from "hono";

const files: Readonly<Record<string, string>> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
};

let loaded: Map<string, Promise<Uint8Array>> | undefined;

// swagger-ui-dist locates itself on disk (its absolute-path.js); runtimes without a file system
// of npm packages (Workers) cannot, and get a 501 that says so. The reader is its own module, so
// `build:worker` leaves it out of the bundle (its import then fails there, with the same 501).
async function readAsset(file: string): Promise<Uint8Array> {
  return await (await import("./docs_assets.ts")).readAsset(file);
}

function asset(file: string): Promise<Uint8Array> {
  loaded ??= new Map();
  let bytes = loaded.get(file);
  if (bytes === undefined) {
    bytes = readAsset(file);
    // A failed read is not kept, so a later request tries again.
    bytes.catch(() => loaded?.delete(file));
    loaded.set(file, bytes);
  }
  return bytes;
}

/** Serves Swagger UI for the OpenAPI document at `specPath` on `uiPath` and below it. */
export function addSwaggerUi(app: Hono, uiPath: string, specPath: string): void {
  const base = `${uiPath.replace(/\/$/, "")}/assets`;
  // The page's module is imported by the first request for it, like the assets.
  let page: Promise<MiddlewareHandler> | undefined;
  app.get(uiPath, async (c: Context, next) => {
    page ??= import("@hono/swagger-ui").then(({ swaggerUI }) =>
      // No validator badge: it would send the document to validator.swagger.io.
      swaggerUI({ url: specPath, baseUrl: base, validatorUrl: "none" })
    );
    page.catch(() => page = undefined);
    return await (await page)(c, next);
  });
  app.get(`${base}/swagger-ui-dist/:file`, async (c: Context) => {
    const file = c.req.param("file") ?? "";
    const type = Object.hasOwn(files, file) ? files[file] : undefined;
    if (type === undefined) return c.text(`no Swagger UI asset ${file}`, 404);
    let bytes: Uint8Array;
    try {
      bytes = await asset(file);
    } catch (e) {
      return c.text(
        `Swagger UI's ${file} could not be read from npm swagger-ui-dist ` +
          `(${(e as Error).message}); this runtime has no file system for npm packages`,
        501,
      );
    }
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
      "content-type": type,
      "cache-control": "public, max-age=86400",
    });
  });
}
