/**
 * Layered configuration: sources merged in order, placeholders, typed values, scanning into
 * protobuf messages or Standard-Schema validators, provenance, and hot reload that survives
 * bad edits.
 *
 * @module
 */
export {
  type Config,
  type ConfigOptions,
  createConfig,
  type ErrorObserver,
  type Observer,
  type Subscription,
  type Unsubscribe,
} from "./config.ts";
export { ConfigError, type ConfigErrorCode, type ConfigErrorOptions } from "./errors.ts";
export { Value } from "./value.ts";
export type {
  ConfigLogger,
  Explanation,
  KeyValue,
  Origin,
  ProtoSchema,
  Schema,
  Source,
  StandardIssue,
  StandardResult,
  StandardSchema,
  Watcher,
} from "./types.ts";
export { file, type FileOptions } from "./file.ts";
export { env, type EnvOptions } from "./env.ts";
export { memory, type MemoryOptions, type MemorySource } from "./memory.ts";
export { etcd, type EtcdOptions } from "./etcd.ts";
export type { FetchFn } from "./http.ts";
export { consul, type ConsulOptions } from "./consul.ts";
export { nacos, type NacosOptions } from "./nacos.ts";
