// Running code on workerd (Cloudflare's runtime) in tests: bundle an entry for the browser
// platform, write a one-worker config, start workerd on a free port and wait until it answers.
import { Child, freePort, run } from "./process.ts";
import { root, WORKERD } from "./tools.ts";

/** Bundles `entry` into `out` the way a Workers deployment would (node:* left to workerd). */
export async function bundleWorker(entry: string, out: string): Promise<void> {
  const build = await run(Deno.execPath(), [
    "bundle",
    "--quiet",
    "--platform",
    "browser",
    "--external",
    "node:*",
    "--external",
    "@connectrpc/connect-node",
    "--external",
    "@hono/node-server",
    "-o",
    out,
    entry,
  ], { cwd: root, timeoutMs: 120_000 });
  if (build.code !== 0) throw new Error(`bundling ${entry} failed:\n${build.stderr}`);
}

/** What the worker of {@linkcode workerdConfig} may reach and is given. */
export interface WorkerOptions {
  /** Text bindings, readable as `env.NAME`. */
  readonly bindings?: Record<string, string>;
  /** Let the worker fetch loopback and private addresses (workerd blocks them by default). */
  readonly loopback?: boolean;
}

/** A workerd config serving `worker.js` (next to the config) on 127.0.0.1:`port`. */
export function workerdConfig(port: number, options: WorkerOptions = {}): string {
  const bindings = Object.entries(options.bindings ?? {})
    .map(([name, text]) => `(name = "${name}", text = "${text}")`);
  const loopback = options.loopback === true;
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .main),${
    loopback ? `\n    (name = "loopback", network = (allow = ["public", "private", "local"])),` : ""
  }
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const main :Workerd.Worker = (
  modules = [ (name = "worker", esModule = embed "worker.js") ],
  compatibilityDate = "2025-09-01",
  compatibilityFlags = ["nodejs_compat"],
  bindings = [ ${bindings.join(", ")} ],${loopback ? `\n  globalOutbound = "loopback",` : ""}
);
`;
}

/** A workerd process serving on `base`. */
export interface Workerd {
  /** `http://127.0.0.1:<port>`. */
  readonly base: string;
  /** The process, for its output. */
  readonly child: Child;
  /** Stops workerd and removes `dir`. */
  close(): Promise<void>;
}

/**
 * Starts workerd on `dir/config.capnp` (written by `config(port)`) and resolves once
 * `base + readyPath` answers. workerd prints nothing when it listens, so readiness is polled,
 * bounded at 20 s, and a workerd that exits fails at once.
 */
export async function startWorkerd(
  dir: string,
  config: (port: number) => string,
  readyPath = "/",
): Promise<Workerd> {
  const port = freePort();
  await Deno.writeTextFile(`${dir}/config.capnp`, config(port));
  const child = new Child("workerd", WORKERD, ["serve", `${dir}/config.capnp`]);
  const base = `http://127.0.0.1:${port}`;
  const close = async () => {
    await child.close();
    await Deno.remove(dir, { recursive: true });
  };
  try {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const res = await fetch(base + readyPath, { signal: AbortSignal.timeout(1000) })
        .catch(() => undefined);
      if (res !== undefined) {
        await res.body?.cancel();
        break;
      }
      if (child.exitCode !== undefined) throw new Error(`workerd exited\n${child.output}`);
      if (Date.now() > deadline) throw new Error(`workerd did not start\n${child.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { base, child, close };
}
