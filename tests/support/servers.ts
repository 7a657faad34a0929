// In-process HTTP + gRPC servers on loopback for tests, with Connect-ES client transports.
import type { Interceptor, Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  createGrpcServer,
  createHttpServer,
  type Middleware,
  type ServiceRegistration,
} from "../../transport/mod.ts";
import { flush } from "../../log/mod.ts";

/** Both servers of one test service. */
export interface TestServers {
  /** `http://127.0.0.1:port` of the HTTP server. */
  readonly http: string;
  /** `http://127.0.0.1:port` of the gRPC server. */
  readonly grpc: string;
  /** `127.0.0.1:port` of the gRPC server (for grpc-js). */
  readonly grpcAddress: string;
  /** Stops both. */
  close(): Promise<void>;
}

/** Starts an HTTP and a gRPC server with the same services and middleware. */
export async function startServers(
  services: readonly ServiceRegistration[],
  middleware: readonly Middleware[] = [],
  options: { timeoutMs?: number } = {},
): Promise<TestServers> {
  const http = createHttpServer({ address: "127.0.0.1:0", services, middleware, ...options });
  const grpc = createGrpcServer({ address: "127.0.0.1:0", services, middleware, ...options });
  await http.start();
  await grpc.start();
  const grpcAddress = grpc.endpoint().host;
  return {
    http: http.endpoint().href.replace(/\/$/, ""),
    grpc: `http://${grpcAddress}`,
    grpcAddress,
    async close() {
      await http.stop();
      await grpc.stop();
      // The servers' stop lines are written in a batch: wait for that write here, so it never
      // completes inside the next test (whose op sanitizer would count it as a leak).
      await flush(undefined, AbortSignal.timeout(5_000));
    },
  };
}

/** The three protocols' transports against `servers`, with client middleware. */
export function transports(
  servers: TestServers,
  middleware: readonly Middleware[] = [],
): Record<"connect" | "grpc-web" | "grpc", Transport> {
  const interceptors = middleware as unknown as Interceptor[];
  return {
    connect: createConnectTransport({ baseUrl: servers.http, interceptors }),
    "grpc-web": createGrpcWebTransport({ baseUrl: servers.http, interceptors }),
    grpc: createGrpcTransport({ baseUrl: servers.grpc, interceptors }),
  };
}
