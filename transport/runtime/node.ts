// Node listener: one port for HTTP/1.1 and cleartext HTTP/2. A net.Server looks at the first
// bytes of each connection and hands it to node:http or node:http2 (prior-knowledge h2c), both
// feeding the same fetch handler through @hono/node-server. Loaded on demand so other runtimes
// never import node:http.
import { Buffer } from "node:buffer";
import process from "node:process";
import type * as http from "node:http";
import type * as http2 from "node:http2";
import type { Server as NetServer, Socket } from "node:net";
import { clientAuth, type FetchHandler, type Listener, type ListenOptions } from "./listener.ts";
import { BodyDeadline } from "./body_deadline.ts";
import { keepStreamAfterReply, UnreadBodies } from "./unread_body.ts";
import { holdHead } from "./held_head.ts";
import {
  DEFAULT_HTTP2_LIMITS,
  DEFAULT_LIMITS,
  nodeHttp2Options,
  nodeHttpLimits,
} from "./limits.ts";

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
// A connection that sends nothing decisive in this time is dropped (slow-loris guard).
const SNIFF_TIMEOUT_MS = 10_000;

/**
 * Binds a `node:http` (+ h2c) server, or with TLS a `node:http2` secure server that also speaks
 * HTTP/1.1 (ALPN picks; client certificates are required when `tls.ca` is set).
 */
export async function listenNode(handler: FetchHandler, options: ListenOptions): Promise<Listener> {
  const { getRequestListener } = await import("@hono/node-server");
  // Bodies a reply left unread are ours to drop (unread_body.ts says why, and why HTTP/2 keeps
  // @hono/node-server's cleanup).
  const fetch = (req: Request, env: unknown) => handler(req, env);
  const hono1 = getRequestListener(fetch, { autoCleanupIncoming: false });
  const hono2 = getRequestListener(fetch);
  const unread = new UnreadBodies();
  const listener = (
    req: http.IncomingMessage | http2.Http2ServerRequest,
    res: http.ServerResponse | http2.Http2ServerResponse,
  ) => {
    unread.watch(req, res);
    if (req.httpVersionMajor >= 2) {
      keepStreamAfterReply(req as http2.Http2ServerRequest, res as http2.Http2ServerResponse);
      // An error reply's head and body leave together (held_head.ts says why).
      holdHead(res as http2.Http2ServerResponse);
      return hono2(req as never, res as never);
    }
    return hono1(req as http.IncomingMessage, res as http.ServerResponse);
  };
  const http2mod = await import("node:http2");
  const limits = options.limits ?? DEFAULT_LIMITS;
  const h2Options = nodeHttp2Options(options.http2 ?? DEFAULT_HTTP2_LIMITS);
  // requestTimeoutMs for HTTP/2 streams too, as node:http enforces it on HTTP/1.1.
  const bodies = new BodyDeadline(limits.requestTimeoutMs, expire);
  const sessions = new Set<http2.ServerHttp2Session>();
  const track = (server: http2.Http2Server | http2.Http2SecureServer) => {
    server.on("session", (s: http2.ServerHttp2Session) => {
      sessions.add(s);
      s.once("close", () => sessions.delete(s));
      s.on("error", () => {});
    });
    server.on("stream", (stream: http2.ServerHttp2Stream) => bodies.watch(stream, undefined));
  };
  bodies.start();
  if (options.tls) {
    const tls = options.tls;
    const server = http2mod.createSecureServer(
      {
        cert: tls.cert,
        key: tls.key,
        allowHTTP1: true,
        ...clientAuth(tls),
        ...nodeHttpLimits(limits),
        ...h2Options,
      },
      listener as never,
    );
    track(server);
    server.once("close", () => {
      bodies.stop();
      unread.stop();
    });
    const connections = new Connections(server as unknown as http.Server);
    server.on("secureConnection", (socket: Socket & { alpnProtocol?: string | false }) => {
      socket.setNoDelay(true);
      if (socket.alpnProtocol !== "h2") connections.add(socket);
    });
    return await bind(server, options, "node:http2 (TLS, HTTP/1.1 + h2)", connections, sessions);
  }
  const h1 = (await import("node:http")).createServer(nodeHttpLimits(limits), listener);
  const connections = new Connections(h1);
  const h2 = http2mod.createServer(h2Options, listener as never);
  track(h2);
  // node:http starts enforcing headersTimeout and requestTimeout when it starts listening; it
  // never does here (the sniffer listens and hands connections over), so it is told to.
  h1.emit("listening");
  const front = (await import("node:net")).createServer((socket: Socket) => {
    // Without this, Connect's header-then-body writes wait on delayed ACKs (~40 ms each).
    socket.setNoDelay(true);
    socket.setTimeout(SNIFF_TIMEOUT_MS, () => socket.destroy());
    socket.on("error", () => {});
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      const head = Buffer.concat(chunks);
      const n = Math.min(head.length, PREFACE.length);
      const isH2 = head.subarray(0, n).equals(PREFACE.subarray(0, n));
      if (isH2 && head.length < PREFACE.length) return;
      socket.off("data", onData);
      socket.pause();
      socket.setTimeout(0);
      socket.unshift(head);
      if (isH2) {
        h2.emit("connection", socket);
      } else {
        connections.add(socket);
        h1.emit("connection", socket);
      }
      process.nextTick(() => socket.resume());
    };
    socket.on("data", onData);
  });
  front.once("close", () => {
    h1.close();
    bodies.stop();
    unread.stop();
  });
  return await bind(front, options, "node:http+h2c", connections, sessions);
}

// A request that did not arrive in time: 408, as node:http answers, then RST_STREAM NO_ERROR
// (RFC 9113 §8.1) so the client stops sending.
function expire(stream: http2.ServerHttp2Stream): void {
  if (stream.headersSent) {
    stream.close(8); // NGHTTP2_CANCEL
    return;
  }
  stream.once("finish", () => stream.close(0));
  stream.respond({ ":status": 408, "content-type": "text/plain" });
  stream.end("request timeout");
}

// Tracks HTTP/1.1 connections and their open requests, so a drain can close keep-alive
// connections as soon as they turn idle (node's own closeIdleConnections only knows
// connections of a listening server, and these are handed over by the sniffer).
class Connections {
  readonly #active = new Map<Socket, number>();
  #draining = false;

  constructor(server: http.Server) {
    server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
      // HTTP/2 streams of a TLS server arrive here too; their sessions are drained apart.
      if (req.httpVersionMajor !== 1) return;
      const socket = req.socket;
      this.#active.set(socket, (this.#active.get(socket) ?? 0) + 1);
      if (this.#draining) res.shouldKeepAlive = false;
      res.once("close", () => {
        const n = (this.#active.get(socket) ?? 1) - 1;
        if (!this.#active.has(socket)) return;
        this.#active.set(socket, n);
        if (this.#draining && n === 0) socket.destroySoon();
      });
    });
  }

  add(socket: Socket): void {
    this.#active.set(socket, 0);
    socket.once("close", () => this.#active.delete(socket));
  }

  drain(): void {
    this.#draining = true;
    for (const [socket, n] of this.#active) if (n === 0) socket.destroy();
  }

  destroyAll(): void {
    for (const socket of this.#active.keys()) socket.destroy();
  }
}

async function bind(
  server: NetServer,
  options: ListenOptions,
  name: string,
  connections: Connections,
  sessions: Set<http2.ServerHttp2Session>,
): Promise<Listener> {
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
    name,
    async close(force) {
      const onForce = () => {
        connections.destroyAll();
        for (const s of sessions) s.destroy();
      };
      force.addEventListener("abort", onForce, { once: true });
      try {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        connections.drain();
        for (const s of sessions) s.close();
        if (force.aborted) onForce();
        await closed;
      } finally {
        force.removeEventListener("abort", onForce);
      }
    },
  };
}
