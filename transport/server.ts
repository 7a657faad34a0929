// The lifecycle contracts every server implements (Kratos's transport.Server and Endpointer).
import type { HealthStatus } from "./health/mod.ts";
import type { AppInfo } from "./info.ts";

/** What `App` hands a server when starting or stopping it. */
export interface ServerContext {
  /** Aborts when the operation must give up (start) or force-close (stop deadline). */
  readonly signal?: AbortSignal;
  /** The application the server runs in. */
  readonly app?: AppInfo;
}

/** Anything the app starts and stops: HTTP and gRPC servers, consumers, cron runners. */
export interface Server {
  /** Binds and starts serving; resolves once the server accepts connections. */
  start(ctx?: ServerContext): Promise<void>;
  /** Refuses new work, finishes in-flight calls, closes; force-closes when `ctx.signal` aborts. */
  stop(ctx?: ServerContext): Promise<void>;
}

/** A server that can report the URL where it is reachable. */
export interface Endpointer {
  /** The reachable URL, e.g. `http://10.0.0.5:8000` or `grpc://10.0.0.5:9000`. */
  endpoint(): URL;
}

/** Whether a server reports an endpoint. */
export function isEndpointer(server: unknown): server is Endpointer {
  return typeof server === "object" && server !== null &&
    typeof (server as Partial<Endpointer>).endpoint === "function";
}

/** A server reporting its health (both built-in servers), which the app turns NOT_SERVING. */
export interface HealthReporter {
  /** The server's health, as `grpc.health.v1.Health` and `/readyz` report it. */
  readonly health: HealthStatus;
}

/** Whether a server reports its health. */
export function reportsHealth(server: unknown): server is HealthReporter {
  const health = (server as Partial<HealthReporter> | null)?.health;
  return typeof health?.markDraining === "function";
}
