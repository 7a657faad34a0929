// Serves a fetch handler on the runtime's own server, as a plain app would: Deno.serve,
// Bun.serve, or @hono/node-server on Node. Prints "listening <port>" for the harness.
import process from "node:process";

type Fetch = (req: Request) => Response | Promise<Response>;

/** Starts the native server on 127.0.0.1:0. */
export async function listen(fetch: Fetch): Promise<void> {
  const g = globalThis as Record<string, unknown>;
  if (g.Deno) {
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, fetch);
    console.log(`listening ${server.addr.port}`);
    return;
  }
  if (g.Bun) {
    const server = (g.Bun as { serve(o: unknown): { port: number } }).serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch,
    });
    console.log(`listening ${server.port}`);
    return;
  }
  const { serve } = await import("@hono/node-server");
  const server = serve({ fetch, hostname: "127.0.0.1", port: 0 }, (info) => {
    console.log(`listening ${info.port}`);
  });
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
}

/** The port argument (`--port N`), or 0. */
export function portArg(): number {
  const i = process.argv.indexOf("--port");
  return i >= 0 ? Number(process.argv[i + 1]) : 0;
}

/** Whether a flag is present. */
export function flag(name: string): boolean {
  return process.argv.includes(name);
}
