// Bundled and run on workerd by file_test.ts: the config package inside a Cloudflare worker. The
// file source must refuse with its typed error (Workers have no file system), a bad option must
// be an InvalidOptionError, and neither may break the worker: a memory source loads beside them.
import { createConfig, file, memory } from "../../config/mod.ts";

type Outcome = { name?: string; code?: string; message: string } | "loaded";

async function attempt(work: () => Promise<unknown>): Promise<Outcome> {
  try {
    await work();
    return "loaded";
  } catch (e) {
    const { name, code, message } = e as { name?: string; code?: string; message: string };
    return { name, code, message };
  }
}

export default {
  async fetch(request: Request): Promise<Response> {
    if (new URL(request.url).pathname === "/ready") return new Response("ready");
    const fileSource = await attempt(async () => {
      const config = createConfig({ sources: [file("/etc/app/config.yaml")] });
      try {
        await config.load();
      } finally {
        await config.close();
      }
    });
    const badOption = await attempt(() => Promise.resolve(file("")));
    let level = "";
    const memoryLoad = await attempt(async () => {
      const config = createConfig({ sources: [memory({ log: { level: "warn" } })] });
      await config.load();
      level = config.value("log.level").string();
      await config.close();
    });
    return Response.json({
      userAgent: navigator.userAgent,
      fileSource,
      badOption,
      memory: memoryLoad === "loaded" ? level : memoryLoad,
    });
  },
};
