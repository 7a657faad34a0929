// The services every server adds to the user's: health checking and server reflection. Shared
// by the HTTP and gRPC servers so both serve the same set and answer the same misuse the same.
import {
  HEALTH_SERVICE,
  HEALTH_WATCH_OPERATION,
  healthService,
  HealthStatus,
} from "./health/mod.ts";
import { REFLECTION_SERVICES, reflectionServices } from "./reflection/mod.ts";
import type { InFlight } from "./drain.ts";
import type { ServiceRegistration } from "./rpc.ts";
import { aborted } from "./runtime/mod.ts";

/** Which built-in services a server adds. */
export interface BuiltinOptions {
  /** Serve `grpc.health.v1.Health` (default true). */
  readonly health?: boolean;
  /** Serve `grpc.reflection.v1` and `v1alpha` (default true). */
  readonly reflection?: boolean;
}

/** What a server serves: the user's services and the enabled built-ins, and its health. */
export interface Builtins {
  /** The user's services followed by the built-ins. */
  readonly services: ServiceRegistration[];
  /** The server's health, knowing every service it serves. */
  readonly health: HealthStatus;
}

/**
 * Adds the enabled built-ins to the user's services; throws when the user registers a built-in
 * service themselves without turning the built-in off.
 */
export function withBuiltins(
  services: readonly ServiceRegistration[],
  options: BuiltinOptions,
): Builtins {
  const all = [...services];
  const taken = all.map(nameOf);
  const builtin = [
    ...(options.health !== false ? [[HEALTH_SERVICE, "health"]] : []),
    ...(options.reflection !== false ? REFLECTION_SERVICES.map((n) => [n, "reflection"]) : []),
  ];
  for (const [name, option] of builtin) {
    if (taken.includes(name)) {
      throw new TypeError(`services: ${name} is built in; pass ${option}: false to serve your own`);
    }
  }
  const health = new HealthStatus([
    ...taken.filter((n) => n !== undefined),
    ...builtin.map(([n]) => n),
  ]);
  if (options.health !== false) all.push(healthService(health));
  if (options.reflection !== false) all.push(...reflectionServices([...all]));
  return { services: all, health };
}

// Bad entries are left for buildRoutes, which names what is wrong with them.
function nameOf(entry: unknown): string | undefined {
  const name = Array.isArray(entry) ? entry[0]?.typeName : undefined;
  return typeof name === "string" ? name : undefined;
}

/**
 * Ends the health watches once every other call has drained, and waits (until `force`) for
 * them to finish: a watcher would otherwise hold the drain open until the stop deadline.
 */
export async function endWatches(
  health: HealthStatus,
  watches: InFlight,
  force: AbortSignal,
): Promise<void> {
  health.endWatches();
  await Promise.race([watches.idle(), aborted(force)]);
}

/** Whether a call of `operation` is a health watch, which does not hold the drain. */
export function isHealthWatch(operation: string): boolean {
  return operation === HEALTH_WATCH_OPERATION;
}
