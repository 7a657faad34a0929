// Serves a fetch handler on the runtime's own server, as a plain app would: Deno.serve,
// Bun.serve, or @hono/node-server on Node. Prints "listening <port>" on stderr for the harness
// (stdout is where servers that log write their lines). Arguments and stderr go through Deno's own
// API on Deno: `node:process` (the module or the global) would load Deno's Node process module,
// which a plain Deno app never loads, into every start the harness times.

/** The part of Node's (and Bun's) global `process` this harness uses. */
interface NodeProcess {
  readonly argv: string[];
  readonly stderr: { write(s: string): void };
  on(signal: string, fn: () => void): void;
  exit(code: number): never;
}

const deno = (globalThis as { Deno?: typeof Deno }).Deno;
const nodeProcess = () => (globalThis as unknown as { process: NodeProcess }).process;
const args = (): string[] => deno ? deno.args : nodeProcess().argv;

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
  const process = nodeProcess();
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
}

/** Tells the harness the port: `listening <port>` on stderr. */
export function announce(port: number): void {
  const line = `listening ${port}\n`;
  if (deno) deno.stderr.writeSync(new TextEncoder().encode(line));
  else nodeProcess().stderr.write(line);
}

/** The port argument (`--port N`), or 0. */
export function portArg(): number {
  const argv = args();
  const i = argv.indexOf("--port");
  return i >= 0 ? Number(argv[i + 1]) : 0;
}

/** Whether a flag is present. */
export function flag(name: string): boolean {
  return args().includes(name);
}

/** How many of `count` steps a built-up server takes (`--upto N`; all of them by default). */
export function uptoArg(count: number): number {
  const argv = args();
  const i = argv.indexOf("--upto");
  return i >= 0 ? Number(argv[i + 1]) : count;
}
