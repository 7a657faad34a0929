// Deno listener: Deno.serve (HTTP/1.1 and h2c on one port, the fastest HTTP path on Deno).
import { aborted, type FetchHandler, type Listener, type ListenOptions } from "./listener.ts";
import { unrefTimer } from "../../internal/runtime.ts";

/**
 * Binds `Deno.serve`. `Deno.serve` cannot ask for client certificates, so with `tls.ca`
 * (mutual TLS) the node:http2 secure server of the Node listener serves instead.
 */
export function listenDeno(handler: FetchHandler, options: ListenOptions): Promise<Listener> {
  // Imported on demand, as mod.ts does: a worker bundle leaves node.ts out.
  if (options.tls?.ca !== undefined) {
    return import("./node.ts").then((m) => m.listenNode(handler, options));
  }
  return new Promise((resolve, reject) => {
    let server: Deno.HttpServer<Deno.NetAddr>;
    try {
      const base = {
        hostname: options.hostname,
        port: options.port,
        onListen: () => {},
        onError: (error: unknown) => {
          console.error("atreus: unhandled error in request handler", error);
          return new Response("Internal Server Error", { status: 500 });
        },
      };
      server = options.tls
        ? Deno.serve({ ...base, cert: options.tls.cert, key: options.tls.key }, handler)
        : Deno.serve(base, handler);
    } catch (error) {
      reject(error);
      return;
    }
    resolve({
      port: server.addr.port,
      name: "Deno.serve",
      async close(force, idle) {
        // Deno 2.9's shutdown() makes the request bodies of in-flight HTTP/1.1 calls unreadable
        // at once (denoland/deno#36809), so it waits for the server's calls to end: until then
        // the listener still accepts, and the server answers new calls 503 (it is draining).
        await Promise.race([idle, aborted(force)]);
        // Deno's shutdown is graceful: it stops accepting and waits for in-flight responses.
        // Streams still open at the deadline end when the server's shutdown signal aborts them.
        await Promise.race([server.shutdown(), aborted(force)]);
        if (force.aborted) await Promise.race([server.finished, delay(1000)]);
      },
    });
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    unrefTimer(t);
  });
}
