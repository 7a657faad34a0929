// One Atreus client per distinct connection setting of the suite's requests, built the way a
// user builds one: an endpoint URL, the protocol, and createClient's public options.
import { brotli, gzip } from "../../../transport/mod.ts";
import { type Client, createClient } from "../../../transport/client/mod.ts";
import type { ClientOptions } from "../../../transport/client/mod.ts";
import type { ClientCompatRequest } from "../gen/connectrpc/conformance/v1/client_compat_pb.ts";
import {
  Codec,
  Compression,
  HTTPVersion,
  Protocol,
} from "../gen/connectrpc/conformance/v1/config_pb.ts";
import {
  BidiStreamRequestSchema,
  ClientStreamRequestSchema,
  ConformanceService,
  IdempotentUnaryRequestSchema,
  ServerStreamRequestSchema,
  UnaryRequestSchema,
  UnimplementedRequestSchema,
} from "../gen/connectrpc/conformance/v1/service_pb.ts";

/** The Atreus client of the suite's service. */
export type ConformanceClient = Client<typeof ConformanceService>;

/** The request types the reference server echoes back inside `Any`s (JSON needs them). */
const requestTypes = [
  UnaryRequestSchema,
  IdempotentUnaryRequestSchema,
  ServerStreamRequestSchema,
  ClientStreamRequestSchema,
  BidiStreamRequestSchema,
  UnimplementedRequestSchema,
];

const decoder = new TextDecoder();

/**
 * The createClient options a request asks for; throws on what the suite may not ask of us.
 * `platformTls`: the runtime (workerd) holds the trusted CA and client certificate, so no `tls`.
 */
export function clientOptions(req: ClientCompatRequest, platformTls = false): ClientOptions {
  const secure = req.serverTlsCert.length > 0;
  let protocol: ClientOptions["protocol"];
  switch (req.protocol) {
    case Protocol.CONNECT:
      protocol = "connect";
      break;
    case Protocol.GRPC_WEB:
      protocol = "grpc-web";
      break;
    case Protocol.GRPC:
      protocol = "grpc";
      break;
    default:
      throw new Error(`unsupported protocol ${Protocol[req.protocol]}`);
  }
  let httpVersion: ClientOptions["httpVersion"];
  switch (req.httpVersion) {
    case HTTPVersion.HTTP_VERSION_1:
      httpVersion = "1.1";
      break;
    case HTTPVersion.HTTP_VERSION_2:
      httpVersion = "2";
      break;
    default:
      throw new Error(`unsupported HTTP version ${HTTPVersion[req.httpVersion]}`);
  }
  let codec: ClientOptions["sendCompression"];
  switch (req.compression) {
    case Compression.UNSPECIFIED:
    case Compression.IDENTITY:
      break;
    case Compression.GZIP:
      codec = gzip;
      break;
    case Compression.BR:
      codec = brotli;
      break;
    default:
      throw new Error(`unsupported compression ${Compression[req.compression]}`);
  }
  const scheme = protocol === "grpc" ? "grpc" : "http";
  return {
    endpoint: `${scheme}${secure ? "s" : ""}://${hostPort(req.host, req.port)}`,
    protocol,
    // The gRPC protocol is HTTP/2 by definition; the option pins Connect and gRPC-Web.
    httpVersion: protocol === "grpc" ? undefined : httpVersion,
    useBinaryFormat: req.codec !== Codec.JSON,
    sendCompression: codec,
    acceptCompression: codec ? [codec] : undefined,
    // The reference server checks that every request is compressed, even an empty one.
    compressMinBytes: 0,
    readMaxBytes: req.messageReceiveLimit > 0 ? req.messageReceiveLimit : undefined,
    useHttpGet: req.useGetHttpMethod,
    // No default deadline: a case without timeout_ms has none.
    timeoutMs: 0,
    jsonTypes: requestTypes,
    tls: secure && !platformTls
      ? {
        ca: decoder.decode(req.serverTlsCert),
        ...(req.clientTlsCreds
          ? {
            cert: decoder.decode(req.clientTlsCreds.cert),
            key: decoder.decode(req.clientTlsCreds.key),
          }
          : {}),
      }
      : undefined,
  };
}

function hostPort(host: string, port: number): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/** A client for one call, and what to do with it once the call is over. */
export interface Lease {
  /** The client. */
  readonly client: ConformanceClient;
  /** Ends the lease: closes a one-call client, keeps a shared one. */
  release(): Promise<void>;
}

/**
 * Clients by their options, so requests with the same settings share connections — except
 * native gRPC on Deno, where each call gets its own client, closed before its result is
 * reported. Deno's node:http2 aborts the whole process when a server's GOAWAY reaches an idle
 * session that served streams (denoland/deno#36788), and the runner's servers send one as each
 * server configuration ends; a session the client closed itself leaves nothing for it to hit.
 */
export class ClientCache {
  readonly #clients = new Map<string, ConformanceClient>();
  readonly #platformTls: boolean;
  readonly #oneCall: (req: ClientCompatRequest) => boolean;

  /** A cache; `platformTls` as for {@linkcode clientOptions}. */
  constructor(options: { platformTls?: boolean } = {}) {
    this.#platformTls = options.platformTls ?? false;
    const deno = typeof (globalThis as { Deno?: unknown }).Deno === "object";
    this.#oneCall = (req) => deno && req.protocol === Protocol.GRPC;
  }

  /** The client for `req`'s settings. */
  lease(req: ClientCompatRequest): Lease {
    const options = clientOptions(req, this.#platformTls);
    if (this.#oneCall(req)) {
      const client = createClient(ConformanceService, options);
      return { client, release: () => client.close() };
    }
    const key = JSON.stringify({
      ...options,
      sendCompression: options.sendCompression?.name,
      acceptCompression: undefined,
      jsonTypes: undefined,
    });
    let client = this.#clients.get(key);
    if (client === undefined) {
      client = createClient(ConformanceService, options);
      this.#clients.set(key, client);
    }
    return { client, release: () => Promise.resolve() };
  }

  /** Closes every shared client. */
  async close(): Promise<void> {
    await Promise.all([...this.#clients.values()].map((c) => c.close()));
    this.#clients.clear();
  }
}
