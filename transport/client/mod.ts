/**
 * Clients (`@atreus/atreus/client`): `createClient(Service, { endpoint, … })` returns a typed
 * Connect-ES client whose calls are balanced over a registry service (`discovery:///name`),
 * fixed addresses (`direct:///a:1,b:2`) or one URL, over Connect, gRPC-Web (fetch; every
 * runtime, Workers included) or native gRPC (node:http2).
 *
 * Client middleware runs once per call around the node pick, so `retry()` sends each attempt
 * to a freshly picked node. Middleware can steer picks through `pickFiltersKey` and read the
 * node an attempt went to from `pickedNodeKey`.
 *
 * This entry loads no server code: a client-only program (a Worker calling a backend, a CLI)
 * does not load Hono, the docs UI or the gRPC server.
 *
 * @example
 * ```ts
 * import { createClient } from "@atreus/atreus/client";
 * const greeter = createClient(Greeter, { endpoint: "direct:///127.0.0.1:8000,127.0.0.1:8001" });
 * console.log((await greeter.sayHello({ name: "atreus" })).message);
 * await greeter.close();
 * ```
 * @module
 */
export { type ClientOptions, createClient } from "./client.ts";
export { ClientError, type ClientErrorCode } from "./errors.ts";
export { pickedNodeKey, pickFiltersKey } from "../../selector/mod.ts";
export { brotli, type CompressionCodec, deflate, gzip } from "../compression.ts";
export type { ClientProtocol } from "./protocol.ts";
export type { ClientTlsOptions, HttpVersion } from "./engine.ts";
export type {
  CallOptions,
  Client,
  ClientHandle,
  FieldInit,
  MessageInit,
  MessageOf,
  MethodClient,
  RequestOf,
  ResponseOf,
  ServiceClient,
} from "./types.ts";
