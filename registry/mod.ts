/**
 * Service registry and discovery: the Kratos contracts (`Registrar`, `Discovery`, `Watcher`)
 * and adapters for an in-process registry, etcd, Consul and Nacos, all over `fetch`.
 *
 * The etcd adapter is tested against a real etcd server. Consul and Nacos cannot run in the
 * project's test environment, so their adapters are tested against stateful fakes that follow
 * the documented HTTP APIs (and Kratos's exact payloads), not against real servers.
 *
 * @module
 */
export type {
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
