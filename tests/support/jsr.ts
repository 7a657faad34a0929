// One local JSR registry per test process with this checkout published to it by `deno publish`,
// and the environment a new user's commands run in: Deno from PATH, the registry as JSR_URL,
// npm as it is, and nothing of this checkout (no buf, no tools/node_modules, no DENO_* of ours).
import { type JsrRegistry, type PublishOutput, startJsrRegistry } from "../../tools/jsr/mod.ts";
import { root } from "./tools.ts";

/** The package config of this checkout. */
export const packageConfig: { name: string; version: string; exports: Record<string, string> } =
  JSON.parse(await Deno.readTextFile(`${root}deno.json`));

/**
 * The registry with this checkout published, started when this module loads (outside any test,
 * so no test's sanitizers count its listener) and shared by every test file of the process.
 * Versions are dated a week back: Deno holds back releases younger than its minimum dependency
 * age (24 h by default).
 */
export const registry: JsrRegistry = await startJsrRegistry({
  packages: [packageConfig.name],
  publishedAt: new Date(Date.now() - 7 * 24 * 3600_000),
});
/** What `deno publish` printed when the checkout was published to {@linkcode registry}. */
export const published: PublishOutput = await registry.publish(root);

// Variables of the machine that decide how Deno reaches npm (proxies, CA certificates, a
// registry mirror): a user's shell has them too.
const network = /PROXY|CERT|CA_BUNDLE|SSL|TLS|^NPM_CONFIG_REGISTRY$|^TMPDIR$/i;

/** Environment of a new user's shell: PATH with only Deno and the system, JSR_URL, DENO_DIR. */
export function userEnv(denoDir: string, home: string): Record<string, string> {
  const env: Record<string, string> = {
    PATH: [Deno.execPath().replace(/\/[^/]+$/, ""), "/usr/local/bin", "/usr/bin", "/bin"].join(":"),
    HOME: home,
    XDG_CACHE_HOME: `${home}/.cache`,
    JSR_URL: registry.url,
    DENO_DIR: denoDir,
    DENO_NO_UPDATE_CHECK: "1",
    NO_COLOR: "1",
  };
  for (const [name, value] of Object.entries(Deno.env.toObject())) {
    if (network.test(name) && !(name in env)) env[name] = value;
  }
  return env;
}
