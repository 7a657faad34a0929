// Per-operation request rate, error rate and latency quantiles from two consecutive scrapes of
// an instance's /metrics. The series are found by shape, so both namings work: Atreus's
// OpenTelemetry names (rpc_server_requests_total with rpc_service/rpc_method and a status code
// label; rpc_server_duration_{milliseconds,seconds} histograms) and Kratos's
// (server_requests_code_total{kind,operation,code,reason}, server_requests_seconds histograms).
import type { MetricsPoint, OperationPoint } from "./protocol.ts";
import type { Exposition, Sample } from "./prometheus.ts";

/** The request counters and duration histograms of one scrape, by operation. */
export interface Reading {
  /** Scrape time (ms). */
  readonly t: number;
  /** Which naming was found. */
  readonly naming: string | undefined;
  /** By operation: requests and failed requests so far (counter sums). */
  readonly counts: ReadonlyMap<string, { total: number; errors: number }>;
  /** By operation: cumulative bucket counts by upper bound in ms (+Inf included). */
  readonly buckets: ReadonlyMap<string, ReadonlyMap<number, number>>;
}

const COUNTER = /^(rpc_)?server_requests(_code)?_total$/;
const HISTOGRAM =
  /^((rpc_server_(duration|latency))|(server_requests(_duration)?))_(milliseconds|seconds)_bucket$/;

/** The operation a sample belongs to, from whichever labels the naming uses. */
export function operationOf(labels: Readonly<Record<string, string>>): string {
  if (labels.operation) return labels.operation;
  if (labels.rpc_service && labels.rpc_method) return `/${labels.rpc_service}/${labels.rpc_method}`;
  if (labels.rpc_method) return labels.rpc_method;
  const route = labels.http_route ?? labels.path ?? labels.handler;
  if (route) return `${labels.http_request_method ?? labels.method ?? ""} ${route}`.trim();
  return "(all)";
}

/**
 * Whether a sample counts failed calls: any status label other than success. gRPC codes are
 * 0 on success; Kratos's `code` is 0 (or an HTTP 2xx) on success; HTTP statuses under 400 are.
 */
export function isFailure(labels: Readonly<Record<string, string>>): boolean {
  const grpc = labels.rpc_grpc_status_code ?? labels.grpc_code ?? labels.rpc_connect_rpc_error_code;
  if (grpc !== undefined) return grpc !== "0" && grpc !== "OK" && grpc !== "";
  const http = labels.http_response_status_code ?? labels.http_status_code;
  if (http !== undefined) return Number(http) >= 400;
  const code = labels.code;
  if (code !== undefined) {
    if (code === "" || code === "0" || code === "OK") return false;
    const n = Number(code);
    return !(n >= 200 && n < 300);
  }
  return labels.reason !== undefined && labels.reason !== "";
}

/** Picks the request and latency series of a scrape taken at `t`. */
export function read(exposition: Exposition, t: number): Reading {
  const counts = new Map<string, { total: number; errors: number }>();
  const buckets = new Map<string, Map<number, number>>();
  let naming: string | undefined;
  const note = (s: Sample) => naming ??= s.name.startsWith("rpc_") ? "otel" : "kratos";
  for (const s of exposition.samples) {
    if (COUNTER.test(s.name)) {
      note(s);
      const op = operationOf(s.labels);
      const c = counts.get(op) ?? { total: 0, errors: 0 };
      c.total += s.value;
      if (isFailure(s.labels)) c.errors += s.value;
      counts.set(op, c);
    } else if (HISTOGRAM.test(s.name) && s.labels.le !== undefined) {
      note(s);
      const op = operationOf(s.labels);
      const scale = s.name.includes("_milliseconds_") ? 1 : 1000;
      const le = s.labels.le === "+Inf" ? Infinity : Number(s.labels.le) * scale;
      if (Number.isNaN(le)) continue;
      const b = buckets.get(op) ?? new Map<number, number>();
      b.set(le, (b.get(le) ?? 0) + s.value);
      buckets.set(op, b);
    }
  }
  // A naming with histograms but no counter still counts requests: the +Inf bucket.
  for (const [op, b] of buckets) {
    if (!counts.has(op) && b.has(Infinity)) counts.set(op, { total: b.get(Infinity)!, errors: 0 });
  }
  return { t, naming, counts, buckets };
}

// A counter that went down was reset (the process restarted): its new value is the increase.
function increase(now: number, before: number | undefined): number {
  if (before === undefined) return now;
  return now >= before ? now - before : now;
}

/**
 * The quantile `q` of a cumulative histogram (upper bound → count) by linear interpolation
 * inside the bucket, as Prometheus's histogram_quantile does; undefined without observations.
 */
export function quantile(q: number, cumulative: ReadonlyMap<number, number>): number | undefined {
  const bounds = [...cumulative.keys()].sort((a, b) => a - b);
  const total = cumulative.get(Infinity) ?? (bounds.length ? cumulative.get(bounds.at(-1)!)! : 0);
  if (!(total > 0)) return undefined;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const bound of bounds) {
    const count = cumulative.get(bound)!;
    if (count >= rank) {
      // In the +Inf bucket the best answer is the highest finite bound.
      if (bound === Infinity) return lower;
      const inBucket = count - below;
      return inBucket <= 0 ? bound : lower + (bound - lower) * ((rank - below) / inBucket);
    }
    lower = bound;
    below = count;
  }
  return lower;
}

/** The point between two readings of one instance; undefined when `before` is missing. */
export function pointBetween(before: Reading | undefined, now: Reading): MetricsPoint | undefined {
  if (before === undefined) return undefined;
  const seconds = (now.t - before.t) / 1000;
  if (!(seconds > 0)) return undefined;
  const ops: Record<string, OperationPoint> = {};
  for (const [op, c] of now.counts) {
    const prev = before.counts.get(op);
    const total = increase(c.total, prev?.total);
    const errors = Math.min(total, increase(c.errors, prev?.errors));
    const delta = new Map<number, number>();
    const b = now.buckets.get(op);
    if (b !== undefined) {
      const pb = before.buckets.get(op);
      for (const [le, count] of b) delta.set(le, increase(count, pb?.get(le)));
    }
    const p50 = quantile(0.5, delta);
    const p99 = quantile(0.99, delta);
    ops[op] = {
      rps: total / seconds,
      errorRate: total > 0 ? errors / total : 0,
      ...(p50 === undefined ? {} : { p50 }),
      ...(p99 === undefined ? {} : { p99 }),
    };
  }
  return { t: now.t, ops };
}
