/**
 * Health checking: `grpc.health.v1.Health` (Check, List, Watch) and HTTP `/healthz` and
 * `/readyz`, all reporting one `HealthStatus` per server that follows the server's lifecycle.
 * The servers register both by default (`health: false` turns them off).
 *
 * @module
 */
export { type HealthPhase, HealthStatus, type ServingStatus } from "./status.ts";
export { HEALTH_SERVICE, HEALTH_WATCH_OPERATION, healthService } from "./service.ts";
export {
  addProbes,
  LIVENESS_PATH,
  probeResponse,
  type ProbeRouter,
  READINESS_PATH,
} from "./probes.ts";
