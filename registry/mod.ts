/**
 * Service registry and discovery contracts, and their adapters.
 * @module
 */
export type { Discovery, Registrar, ServiceInstance, Watcher } from "./registry.ts";
