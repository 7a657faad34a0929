// Node listener: node:http(s) with @hono/node-server's request listener. Loaded on demand so
// other runtimes never import node:http.
import type { FetchHandler, Listener, ListenOptions } from "./listener.ts";

/** Binds a `node:http` (or `node:https`) server. */
export async function listenNode(handler: FetchHandler, options: ListenOptions): Promise<Listener> {
  const { getRequestListener } = await import("@hono/node-server");
  const listener = getRequestListener(
    (req: Request, env: unknown) => handler(req, env),
  );
  const server = options.tls
    ? (await import("node:https")).createServer(
      { cert: options.tls.cert, key: options.tls.key },
      listener,
    )
    : (await import("node:http")).createServer(listener);
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once("error", onError);
    server.listen(options.port, options.hostname, () => {
      server.off("error", onError);
      resolve();
    });
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr !== null ? addr.port : options.port;
  return {
    port,
    name: options.tls ? "node:https" : "node:http",
    close(force) {
      return new Promise<void>((resolve) => {
        const onForce = () => server.closeAllConnections();
        force.addEventListener("abort", onForce, { once: true });
        server.close(() => {
          force.removeEventListener("abort", onForce);
          resolve();
        });
        server.closeIdleConnections();
        if (force.aborted) onForce();
      });
    },
  };
}
