// Serves a fetch handler on the runtime's own server, as a plain app would: Deno.serve,
// Bun.serve, or @hono/node-server on Node. Prints "listening <port>" on stderr for the harness
// (stdout is where servers that log write their lines).
import process from "node:process";

type Fetch = (req: Request) => Response | Promise<Response>;

/** Starts the native server on 127.0.0.1 (`--port N`, or any free port). */
export async function listen(fetch: Fetch): Promise<void> {
  const g = globalThis as Record<string, unknown>;
  const port = portArg();
  if (g.Deno) {
    const server = Deno.serve({ hostname: "127.0.0.1", port, onListen: () => {} }, fetch);
    announce(server.addr.port);
    return;
  }
  if (g.Bun) {
    const server = (g.Bun as { serve(o: unknown): { port: number } }).serve({
      hostname: "127.0.0.1",
      port,
      fetch,
    });
    announce(server.port);
    return;
  }
  const { serve } = await import("@hono/node-server");
  const server = serve({ fetch, hostname: "127.0.0.1", port }, (info) => announce(info.port));
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
}

/** Tells the harness the port: `listening <port>` on stderr. */
export function announce(port: number): void {
  process.stderr.write(`listening ${port}\n`);
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
