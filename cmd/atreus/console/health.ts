// Health of one instance, live: a grpc.health.v1 Watch stream on its gRPC endpoint (the server
// pushes every change, so NOT_SERVING shows the moment the app starts stopping), or /readyz
// polled where only HTTP is published. A stream that ends or fails is reopened with backoff, on
// a fresh client each time: Deno's node:http2 aborts the process when a GOAWAY reaches an idle
// session that served streams (denoland/deno#36788), so no session outlives its stream here.
import { Code, ConnectError } from "@connectrpc/connect";
import {
  Health,
  HealthCheckResponse_ServingStatus as Wire,
} from "../../../internal/gen/grpc/health/v1/health_pb.ts";
import type { ServiceInstance } from "../../../registry/mod.ts";
import { createClient } from "../../../transport/client/mod.ts";
import { delay, message } from "./fleet.ts";
import type { HealthStatusName, HealthView } from "./protocol.ts";

/** Options of {@linkcode watchHealth}. */
export interface HealthOptions {
  /** How often /readyz is polled, in ms. */
  readonly readyzIntervalMs: number;
  /** Bound of each /readyz request and of opening a Watch, in ms. */
  readonly requestTimeoutMs: number;
}

const WIRE_NAMES: Record<number, HealthStatusName> = {
  [Wire.UNKNOWN]: "UNKNOWN",
  [Wire.SERVING]: "SERVING",
  [Wire.NOT_SERVING]: "NOT_SERVING",
  [Wire.SERVICE_UNKNOWN]: "SERVICE_UNKNOWN",
};

/** The first endpoint with one of `schemes`. */
export function endpointOf(
  instance: ServiceInstance,
  schemes: readonly string[],
): string | undefined {
  return instance.endpoints.find((e) => schemes.some((s) => e.startsWith(`${s}://`)));
}

/**
 * Reports the health of `instance` to `report` until `signal` aborts: first `CHECKING`, then
 * every change.
 */
export async function watchHealth(
  instance: ServiceInstance,
  report: (health: HealthView) => void,
  options: HealthOptions,
  signal: AbortSignal,
): Promise<void> {
  let last: HealthView | undefined;
  const set = (
    via: HealthView["via"],
    status: HealthStatusName,
    endpoint?: string,
    error?: string,
  ) => {
    if (last?.status === status && last.via === via && last.error === error) return;
    last = {
      status,
      via,
      since: Date.now(),
      ...(endpoint ? { endpoint } : {}),
      ...(error ? { error } : {}),
    };
    report(last);
  };
  const grpc = endpointOf(instance, ["grpc", "grpcs"]);
  const http = endpointOf(instance, ["http", "https"]);
  set(
    grpc ? "grpc" : http ? "readyz" : "none",
    grpc || http ? "CHECKING" : "UNKNOWN",
    grpc ?? http,
    grpc || http ? undefined : "no grpc:// or http:// endpoint to ask",
  );
  if (grpc !== undefined) {
    const unimplemented = await watchGrpc(grpc, set, signal);
    if (!unimplemented || http === undefined) return;
  }
  if (http !== undefined) await pollReadyz(http, set, options, signal);
}

type Set = (
  via: HealthView["via"],
  status: HealthStatusName,
  endpoint?: string,
  error?: string,
) => void;

// Resolves true when the server has no grpc.health.v1 (so /readyz may be tried instead).
async function watchGrpc(endpoint: string, set: Set, signal: AbortSignal): Promise<boolean> {
  let backoffMs = 250;
  while (!signal.aborted) {
    const client = createClient(Health, { endpoint, protocol: "grpc", timeout: 0 });
    try {
      for await (const res of client.watch({ service: "" }, { signal, timeoutMs: 0 })) {
        set("grpc", WIRE_NAMES[res.status] ?? "UNKNOWN", endpoint);
        backoffMs = 250;
      }
      // The server ended the stream: it is stopping. What comes next is known by asking again.
    } catch (error) {
      if (signal.aborted) break;
      const code = error instanceof ConnectError ? error.code : undefined;
      if (code === Code.Unimplemented) {
        set("grpc", "UNKNOWN", endpoint, "the server does not implement grpc.health.v1");
        await client.close();
        return true;
      }
      set("grpc", "UNREACHABLE", endpoint, message(error));
    } finally {
      await client.close();
    }
    await delay(backoffMs, signal);
    backoffMs = Math.min(backoffMs * 2, 5_000);
  }
  return false;
}

async function pollReadyz(
  base: string,
  set: Set,
  options: HealthOptions,
  signal: AbortSignal,
): Promise<void> {
  const url = `${base.replace(/\/+$/, "")}/readyz`;
  while (!signal.aborted) {
    try {
      const res = await fetch(url, {
        signal: AbortSignal.any([signal, AbortSignal.timeout(options.requestTimeoutMs)]),
        headers: { accept: "application/json" },
      });
      const text = await res.text();
      let status: unknown;
      try {
        status = (JSON.parse(text) as { status?: unknown })?.status;
      } catch {
        status = undefined;
      }
      if (res.status === 200) set("readyz", "SERVING", base);
      else if (res.status === 503) {
        set(
          "readyz",
          typeof status === "string" && status in STATUS_NAMES
            ? status as HealthStatusName
            : "NOT_SERVING",
          base,
        );
      } else set("readyz", "UNKNOWN", base, `GET /readyz answered ${res.status}`);
    } catch (error) {
      if (signal.aborted) break;
      set("readyz", "UNREACHABLE", base, message(error));
    }
    await delay(options.readyzIntervalMs, signal);
  }
}

const STATUS_NAMES: Record<string, true> = {
  NOT_SERVING: true,
  SERVICE_UNKNOWN: true,
  UNKNOWN: true,
};
