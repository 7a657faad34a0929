// Bun listener: Bun.serve with cleartext HTTP/2 enabled, so gRPC clients reaching it get a
// proper Trailers-Only answer instead of a protocol error.
import { clientAuth, type FetchHandler, type Listener, type ListenOptions } from "./listener.ts";
import { runtimeGlobal } from "../../internal/runtime.ts";

interface BunServer {
  readonly port: number;
  stop(closeActiveConnections?: boolean): Promise<void> | void;
}

interface BunGlobal {
  serve(options: Record<string, unknown>): BunServer;
}

/** Binds `Bun.serve`. */
export function listenBun(handler: FetchHandler, options: ListenOptions): Promise<Listener> {
  const bun = runtimeGlobal<BunGlobal>("Bun");
  let server: BunServer;
  try {
    server = bun.serve({
      hostname: options.hostname,
      port: options.port,
      http2: true,
      ...(options.tls
        ? { tls: { cert: options.tls.cert, key: options.tls.key, ...clientAuth(options.tls) } }
        : {}),
      fetch: (req: Request, srv: unknown) => handler(req, { server: srv }),
      error: (error: unknown) => {
        console.error("atreus: unhandled error in request handler", error);
        return new Response("Internal Server Error", { status: 500 });
      },
    });
  } catch (error) {
    return Promise.reject(error);
  }
  return Promise.resolve({
    port: server.port,
    name: "Bun.serve",
    async close(force) {
      const onForce = () => void server.stop(true);
      force.addEventListener("abort", onForce, { once: true });
      try {
        if (force.aborted) await server.stop(true);
        else await server.stop(false);
      } finally {
        force.removeEventListener("abort", onForce);
      }
    },
  });
}
