/**
 * Clients: `createClient(Service, { endpoint, … })` returns a typed Connect-ES client whose
 * calls are balanced over a registry service (`discovery:///name`), fixed addresses
 * (`direct:///a:1,b:2`) or one URL, over Connect, gRPC-Web (fetch; every runtime, Workers
 * included) or native gRPC (node:http2).
 *
 * Client middleware runs once per call around the node pick, so `retry()` sends each attempt
 * to a freshly picked node. Middleware can steer picks through `pickFiltersKey` and read the
 * node an attempt went to from `pickedNodeKey`.
 *
 * @example
 * ```ts
 * import { createClient } from "@atreus/atreus/transport";
 * const greeter = createClient(Greeter, { endpoint: "direct:///127.0.0.1:8000,127.0.0.1:8001" });
 * console.log((await greeter.sayHello({ name: "atreus" })).message);
 * await greeter.close();
 * ```
 * @module
 */
export { type ClientOptions, createClient } from "./client.ts";
export { ClientError, type ClientErrorCode } from "./errors.ts";
export { pickedNodeKey, pickFiltersKey } from "../../selector/mod.ts";
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
