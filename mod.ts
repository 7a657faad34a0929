/**
 * Atreus: a Kratos-style microservice framework for Deno, Bun, Node and Workers. One protobuf
 * service definition, served as gRPC, gRPC-Web and Connect.
 *
 * @example
 * ```ts
 * import { App } from "@atreus/atreus";
 * import { createGrpcServer, createHttpServer } from "@atreus/atreus/transport";
 * const services = [[Greeter, new GreeterService()]] as const;
 * const app = new App({
 *   name: "helloworld",
 *   servers: [createHttpServer({ address: ":8000", services }), createGrpcServer({ address: ":9000", services })],
 * });
 * await app.run();
 * ```
 * @module
 */
export { App, type AppOptions, type Hook, type HookContext, type WorkerHandler } from "./app.ts";
export { type AppInfo, appInfo } from "./transport/mod.ts";
export { programArgs, programEnv } from "./internal/runtime.ts";
