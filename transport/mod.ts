/**
 * Transports: the HTTP server (Hono; Connect and gRPC-Web on every runtime), the gRPC server
 * (node:http2), per-request transport info, and the middleware contract they run.
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
export {
  type CorsOptions,
  createHttpServer,
  type HonoApp,
  HttpServer,
  type HttpServerOptions,
  type OpenApiServeOptions,
} from "./http/server.ts";
export { createGrpcServer, GrpcServer, type GrpcServerOptions } from "./grpc/server.ts";
export { HTTP_REQUEST_TYPE, HTTP_RESPONSE_TYPE, type RouteContext } from "./http/route.ts";
export { type HealthPhase, healthService, HealthStatus, type ServingStatus } from "./health/mod.ts";
export { reflectionServices } from "./reflection/mod.ts";
export {
  type OpenApiDocument,
  openapiDocument,
  type OpenApiOptions,
  type RestJsonOptions,
} from "./rest/mod.ts";
export {
  type AppInfo,
  appInfo,
  appInfoKey,
  fromHandlerContext,
  fromServerContext,
  kindOf,
  type MutableTransportInfo,
  operationOf,
  serverTransportKey,
  type TransportInfo,
} from "./info.ts";
export {
  type Endpointer,
  type HealthReporter,
  isEndpointer,
  reportsHealth,
  type Server,
  type ServerContext,
} from "./server.ts";
export type { RpcServerOptions, ServiceRegistration } from "./rpc.ts";
export { deadlineKey, remainingMs, requestTimeoutMs } from "./deadline.ts";
export { brotli, type CompressionCodec, deflate, gzip } from "./compression.ts";
export { advertiseHost, type ListenAddress, parseAddress } from "./address.ts";
export { detectRuntime, type RuntimeName, type TlsOptions } from "./runtime/mod.ts";
export type { ConnectionLimits, Http2Limits } from "./runtime/limits.ts";
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
  Middleware,
  Next,
  ProtoMessage,
  ServiceDesc,
  StreamCallRequest,
  StreamCallResponse,
  TransportKind,
  UnaryCallRequest,
  UnaryCallResponse,
} from "../internal/contract.ts";
export {
  type CallOptions,
  type Client,
  ClientError,
  type ClientErrorCode,
  type ClientHandle,
  type ClientOptions,
  type ClientProtocol,
  type ClientTlsOptions,
  createClient,
  type FieldInit,
  type HttpVersion,
  type MessageInit,
  type MessageOf,
  type MethodClient,
  pickedNodeKey,
  pickFiltersKey,
  type RequestOf,
  type ResponseOf,
  type ServiceClient,
} from "./client/mod.ts";
