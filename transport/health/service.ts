// grpc.health.v1.Health as an ordinary Connect-ES implementation, so it is served on every
// protocol and runs through the server's middleware like any user service.
import { operationOf } from "../../internal/operation.ts";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import {
  Health,
  type HealthCheckRequest,
  HealthCheckResponse_ServingStatus as Wire,
} from "../../internal/gen/grpc/health/v1/health_pb.ts";
import type { ServiceRegistration } from "../rpc.ts";
import type { HealthStatus, ServingStatus } from "./status.ts";

/** Fully-qualified name of the health service. */
export const HEALTH_SERVICE = Health.typeName;

/** The operation of `Watch`: long-lived, so servers end it after draining instead of awaiting it. */
export const HEALTH_WATCH_OPERATION = operationOf(Health, Health.method.watch);

// The spec caps List so that a huge answer never surprises a prober.
const LIST_LIMIT = 100;

const WIRE: Record<ServingStatus, Wire> = {
  SERVING: Wire.SERVING,
  NOT_SERVING: Wire.NOT_SERVING,
  SERVICE_UNKNOWN: Wire.SERVICE_UNKNOWN,
};

/** The `grpc.health.v1.Health` service reporting `status`, ready to pass in `services`. */
export function healthService(status: HealthStatus): ServiceRegistration {
  const impl: ServiceImpl<typeof Health> = {
    check(req: HealthCheckRequest) {
      const current = status.get(req.service);
      if (current === undefined) {
        throw new ConnectError(`unknown service ${JSON.stringify(req.service)}`, Code.NotFound);
      }
      return { status: WIRE[current] };
    },
    list() {
      const all = Object.entries(status.list());
      if (all.length > LIST_LIMIT) {
        throw new ConnectError(
          `${all.length} services exceed the ${LIST_LIMIT} that List may return`,
          Code.ResourceExhausted,
        );
      }
      return {
        statuses: Object.fromEntries(all.map(([name, s]) => [name, { status: WIRE[s] }])),
      };
    },
    async *watch(req: HealthCheckRequest, ctx: HandlerContext) {
      for await (const s of status.watch(req.service, ctx.signal)) yield { status: WIRE[s] };
    },
  };
  return [Health, impl];
}
