// Health badges: the status as a word and a colour class, never colour alone.
import type { HealthView } from "../protocol.ts";
import { h } from "./dom.ts";

/** A badge for `health` (CHECKING while nothing is known yet). */
export function healthBadge(health: HealthView | undefined): HTMLElement {
  const status = health?.status ?? "CHECKING";
  const title = health === undefined
    ? "waiting for the first answer"
    : `${status} via ${
      health.via === "grpc"
        ? "grpc.health.v1 Watch"
        : health.via === "readyz"
        ? "GET /readyz"
        : "nothing"
    }` +
      (health.endpoint ? ` on ${health.endpoint}` : "") + (health.error ? `: ${health.error}` : "");
  return h(
    "span",
    { class: `badge health-${status.toLowerCase()}`, title, "data-health": status },
    status,
  );
}

/** Counts of statuses, e.g. for a service summary. */
export function healthSummary(statuses: readonly (HealthView | undefined)[]): string {
  const serving = statuses.filter((s) => s?.status === "SERVING").length;
  return `${serving}/${statuses.length} serving`;
}
