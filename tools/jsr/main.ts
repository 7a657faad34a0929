// `deno task registry`: a local JSR registry with this checkout published to it, for trying
// the new-user path by hand (JSR_URL=<printed url> deno run -A jsr:@atreus/atreus/cmd new shop).
import { parseArgs } from "node:util";
import { startJsrRegistry } from "./mod.ts";

const { values } = parseArgs({ args: Deno.args, options: { port: { type: "string" } } });
const root = new URL("../../", import.meta.url).pathname;
const config = JSON.parse(await Deno.readTextFile(`${root}deno.json`));
const registry = await startJsrRegistry({
  port: values.port === undefined ? 0 : Number(values.port),
  packages: [config.name],
  // As a release that has been out for a while: Deno holds back younger ones for 24 h.
  publishedAt: new Date(Date.now() - 7 * 24 * 3600_000),
});
console.error(`registry: publishing ${config.name}@${config.version} with deno publish…`);
await registry.publish(root);
console.log(`JSR_URL=${registry.url}`);
console.error(`registry: serving ${config.name}@${config.version}; Ctrl-C stops it`);
const stop = () => registry.close().then(() => Deno.exit(0));
Deno.addSignalListener("SIGINT", stop);
Deno.addSignalListener("SIGTERM", stop);
