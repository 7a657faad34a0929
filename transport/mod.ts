/**
 * Servers: the HTTP server (Hono; Connect, gRPC-Web and REST on every runtime), the gRPC server
 * (node:http2), and what a handler reads about the call it serves. Clients are in
 * `@atreus/atreus/client`, so a client-only program never loads Hono or the docs UI; the
 * middleware itself is in `@atreus/atreus/middleware`.
 *
 * The last section, "for libraries", holds the extension points: custom servers, the context
 * keys middleware reads and writes, and the descriptor and call types they are written against.
 *
 * @example
 * ```ts
 * import { createGrpcServer, createHttpServer } from "@atreus/atreus/transport";
 * const services = [[Greeter, new GreeterService()]] as const;
 * const http = createHttpServer({ address: ":8000", services });
 * const grpc = createGrpcServer({ address: ":9000", services });
 * ```
 * @module
 */

// Servers and their options.
export {
  type CorsOptions,
  createHttpServer,
  type HonoApp,
  HttpServer,
  type HttpServerOptions,
  type OpenApiServeOptions,
} from "./http/server.ts";
export { createGrpcServer, GrpcServer, type GrpcServerOptions } from "./grpc/server.ts";
export type { RpcServerOptions, ServiceRegistration } from "./rpc.ts";
export type { Server } from "./server.ts";
export type { Middleware } from "../internal/contract.ts";
export { brotli, type CompressionCodec, deflate, gzip } from "./compression.ts";
export type { TlsOptions } from "./runtime/mod.ts";
export type { ConnectionLimits, Http2Limits } from "./runtime/limits.ts";
export { HTTP_REQUEST_TYPE, HTTP_RESPONSE_TYPE, type RouteContext } from "./http/route.ts";
export {
  type OpenApiDocument,
  openapiDocument,
  type OpenApiOptions,
  type RestJsonOptions,
} from "./rest/mod.ts";

// In a handler: the call being served.
export {
  type AppInfo,
  appInfo,
  fromHandlerContext,
  fromServerContext,
  type TransportInfo,
} from "./info.ts";
export type { TransportKind } from "../internal/contract.ts";
export { remainingMs } from "./deadline.ts";

// ---------------------------------------------------------------------------------------------
// For libraries: extension points for code that builds on Atreus (custom servers, middleware,
// health and reflection wiring) rather than for applications.

export {
  type Endpointer,
  type HealthReporter,
  isEndpointer,
  reportsHealth,
  type ServerContext,
} from "./server.ts";
export { type HealthPhase, healthService, HealthStatus, type ServingStatus } from "./health/mod.ts";
export { reflectionServices } from "./reflection/mod.ts";
export {
  appInfoKey,
  kindOf,
  type MutableTransportInfo,
  operationOf,
  serverTransportKey,
} from "./info.ts";
export { deadlineKey, requestTimeoutMs } from "./deadline.ts";
export { advertiseHost, type ListenAddress, parseAddress } from "./address.ts";
export { detectRuntime, type RuntimeName } from "./runtime/mod.ts";
export type {
  CallRequest,
  CallRequestCommon,
  CallResponse,
  CallResponseCommon,
  ContextKey,
  ContextValues,
  MessageDesc,
  MethodDesc,
  MethodKind,
  Next,
  ProtoMessage,
  ServiceDesc,
  StreamCallRequest,
  StreamCallResponse,
  UnaryCallRequest,
  UnaryCallResponse,
} from "../internal/contract.ts";
