// HTTP probes for orchestrators that do not speak gRPC health (Kubernetes httpGet, most load
// balancers): /healthz answers whether the process serves at all, /readyz whether it should get
// traffic. The JSON body carries the status either way, so a human with curl sees why.
import type { HealthStatus } from "./status.ts";

/** Path of the liveness probe. */
export const LIVENESS_PATH = "/healthz";
/** Path of the readiness probe (`?service=name` asks about one service). */
export const READINESS_PATH = "/readyz";

/**
 * Answers a probe: liveness is 200 whenever the process can answer; readiness is 200 while
 * serving, 503 while starting or draining, 404 for an unknown `?service=`.
 */
export function probeResponse(
  status: HealthStatus,
  probe: "liveness" | "readiness",
  url: URL,
): Response {
  if (probe === "liveness") return json(200, status.get("") ?? "NOT_SERVING");
  const service = url.searchParams.get("service") ?? "";
  const current = status.get(service);
  if (current === undefined) return json(404, "SERVICE_UNKNOWN", service);
  return json(current === "SERVING" ? 200 : 503, current, service || undefined);
}

function json(code: number, status: string, service?: string): Response {
  const body = service === undefined ? { status } : { status, service };
  return new Response(JSON.stringify(body), {
    status: code,
    // Probes must see the live state, never a cached one.
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}

/** The part of a router the probes need (Hono's `get`). */
export interface ProbeRouter {
  /** Registers a GET (and HEAD) handler. */
  get(path: string, handler: (c: { req: { raw: Request } }) => Response): unknown;
}

/** Registers `/healthz` and `/readyz` on `router`. */
export function addProbes(router: ProbeRouter, status: HealthStatus): void {
  router.get(LIVENESS_PATH, (c) => probeResponse(status, "liveness", new URL(c.req.raw.url)));
  router.get(READINESS_PATH, (c) => probeResponse(status, "readiness", new URL(c.req.raw.url)));
}
