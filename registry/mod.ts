/**
 * Service registry and discovery: the Kratos contracts (`Registrar`, `Discovery`, `Watcher`)
 * and adapters for an in-process registry, etcd, Consul and Nacos, all over `fetch`.
 *
 * The etcd adapter is tested against real etcd servers (3.4 and 3.6), the Consul adapter
 * against a real Consul agent (1.14). Nacos cannot run in the project's test environment, so
 * its adapter is tested against a stateful fake that follows the documented HTTP API (and
 * Kratos's exact payloads), not against a real server.
 *
 * @module
 */
export type {
  Catalog,
  Discovery,
  FetchLike,
  Registrar,
  Registry,
  RegistryEvent,
  RegistryEventHandler,
  ServiceInstance,
  Watcher,
} from "./registry.ts";
export { RegistryError, type RegistryErrorCode, type RegistryErrorOptions } from "./errors.ts";
export { decodeInstance, encodeInstance } from "./instance.ts";
export { memory, type MemoryRegistry } from "./memory.ts";
export type { AdapterOptions } from "./options.ts";
export { etcd, type EtcdOptions } from "./etcd/etcd.ts";
export { consul, type ConsulOptions } from "./consul/consul.ts";
export { nacos, type NacosOptions } from "./nacos/nacos.ts";
