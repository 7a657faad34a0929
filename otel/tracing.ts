// Tracing set up from OpenTelemetry's standard environment variables: nothing is recorded until
// an OTLP endpoint (or an exporter) is named, and then spans go through a batch span processor
// to an OTLP/HTTP protobuf exporter, off the request path, with the exporter's health logged.
// The variables are checked here, synchronously; the SDK itself is imported only when tracing
// is on, so a service that never sets OTEL_* loads nothing of it but @opentelemetry/api.
import { ProxyTracerProvider, trace } from "@opentelemetry/api";
import { getLogger, type Logger } from "../log/mod.ts";
import type { TracerProviderLike } from "../middleware/tracing/mod.ts";
import { programEnv } from "../internal/runtime.ts";
import type { ExportHealth, ExportHealthCounts } from "./export_health.ts";
import type { SamplerName, TracingPlan } from "./sdk_provider.ts";

/** Environment variables as `process.env` holds them. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Options of `setupTracing()`. */
export interface TracingSetupOptions {
  /** `service.name` unless `OTEL_SERVICE_NAME` or `OTEL_RESOURCE_ATTRIBUTES` name one. */
  readonly serviceName?: string;
  /** `service.version` unless `OTEL_RESOURCE_ATTRIBUTES` names one. */
  readonly serviceVersion?: string;
  /** Where the configuration comes from (default `process.env`). */
  readonly env?: Env;
  /** Where the exporter's health goes (default the global logger). */
  readonly logger?: Logger;
  /** Least time between two "trace export failed" lines (default 60 000). */
  readonly warnIntervalMs?: number;
  /** Sets the provider as the global one, for code using `trace.getTracer()` (default true). */
  readonly register?: boolean;
}

/** The tracing `setupTracing()` built. */
export interface TracingSetup {
  /**
   * The provider (for `tracing.server({ tracerProvider })`), or `undefined` when off: a proxy
   * that hands spans to the SDK's provider once `ready` resolves, and no-op spans before.
   */
  readonly tracerProvider: TracerProviderLike | undefined;
  /** Where spans go (`console`, an OTLP URL), or `undefined` when off. */
  readonly endpoint: string | undefined;
  /** The exporter's counts, when exporting over OTLP. */
  readonly health: ExportHealth | undefined;
  /**
   * Resolves once the SDK is loaded and spans are recorded (at once when off); await it before
   * serving so no early call goes untraced. Rejects when the SDK cannot be loaded.
   */
  readonly ready: Promise<void>;
  /** Exports what is buffered (a failure shows in `health` and the logs, never as a rejection). */
  forceFlush(): Promise<void>;
  /** Exports what is buffered and stops; call it when the app stops. Never rejects. */
  shutdown(): Promise<void>;
}

/**
 * Builds an OpenTelemetry tracer provider from the standard environment variables, or none:
 * tracing is on when `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT` is
 * set (the latter gets `/v1/traces` appended), or `OTEL_TRACES_EXPORTER` is `otlp` or
 * `console`; `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none` turn it off. Also read:
 * `OTEL_EXPORTER_OTLP[_TRACES]_HEADERS`, `_TIMEOUT`, `_PROTOCOL` (only `http/protobuf`),
 * `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER` (+`_ARG`) and
 * `OTEL_BSP_*`. Spans are batched (exports never wait on the request path); a failing
 * exporter logs a warn line at most once per `warnIntervalMs` with what it dropped, and an
 * info line when it recovers. A bad value is a `TypeError` naming the variable.
 */
export function setupTracing(options: TracingSetupOptions = {}): TracingSetup {
  const env = options.env ?? programEnv();
  const logger = options.logger ?? getLogger();
  const exporters = list(env.OTEL_TRACES_EXPORTER);
  for (const name of exporters) {
    if (name !== "otlp" && name !== "console" && name !== "none") {
      throw new TypeError(
        `OTEL_TRACES_EXPORTER: unsupported exporter ${JSON.stringify(name)} (otlp, console, none)`,
      );
    }
  }
  const url = otlpTracesUrl(env);
  const disabled = env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true" ||
    exporters.includes("none");
  const wantOtlp = exporters.includes("otlp") || (exporters.length === 0 && url !== undefined);
  const wantConsole = exporters.includes("console");
  if (disabled || (!wantOtlp && !wantConsole)) return off();

  let otlp: TracingPlan["otlp"];
  const endpoints: string[] = [];
  if (wantOtlp) {
    const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL)
      ?.trim();
    if (protocol !== undefined && protocol !== "" && protocol !== "http/protobuf") {
      throw new TypeError(
        `OTEL_EXPORTER_OTLP_PROTOCOL: ${JSON.stringify(protocol)} is not supported (http/protobuf)`,
      );
    }
    const target = url ?? "http://localhost:4318/v1/traces";
    const health: ExportHealthCounts = {
      exported: 0,
      failed: 0,
      droppedSpans: 0,
      lastError: undefined,
    };
    otlp = {
      url: target,
      headers: headers(env),
      timeoutMillis: integer(env, "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT") ??
        integer(env, "OTEL_EXPORTER_OTLP_TIMEOUT"),
      health,
    };
    endpoints.push(target);
  }
  if (wantConsole) endpoints.push("console");
  const plan: TracingPlan = {
    otlp,
    console: wantConsole,
    batch: batchOptions(env),
    resource: resourceAttributes(env, options),
    ...sampler(env),
    logger,
    warnIntervalMs: options.warnIntervalMs,
  };

  const proxy = new ProxyTracerProvider();
  if (options.register ?? true) trace.setGlobalTracerProvider(proxy);
  // Started at once, so it overlaps whatever the app loads and builds next.
  const provider = import("./sdk_provider.ts").then((m) => {
    const sdk = m.sdkProvider(plan);
    proxy.setDelegate(sdk);
    return sdk;
  });
  provider.catch((error) =>
    logger.log("error", "msg", "tracing not started", "error", String(error?.message ?? error))
  );
  const ready = provider.then(() => {});
  ready.catch(() => {}); // logged above; a caller that awaits `ready` still sees the rejection
  let stopped: Promise<void> | undefined;
  return {
    tracerProvider: proxy,
    endpoint: endpoints.join(","),
    health: otlp?.health,
    ready,
    // A failed export is already counted and logged by the health wrapper; flushing and
    // stopping must not fail the app's own shutdown over it.
    forceFlush: () => provider.then((p) => p.forceFlush()).catch(() => {}),
    shutdown: () => stopped ??= provider.then((p) => p.shutdown()).catch(() => {}),
  };
}

function off(): TracingSetup {
  return {
    tracerProvider: undefined,
    endpoint: undefined,
    health: undefined,
    ready: Promise.resolve(),
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
}

function list(value: string | undefined): string[] {
  return (value ?? "").split(",").map((s) => s.trim().toLowerCase()).filter((s) => s !== "");
}

/** The OTLP traces URL the environment names, if any. */
function otlpTracesUrl(env: Env): string | undefined {
  const specific = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (specific) return checkUrl("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", specific);
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!base) return undefined;
  checkUrl("OTEL_EXPORTER_OTLP_ENDPOINT", base);
  return `${base.replace(/\/+$/, "")}/v1/traces`;
}

function checkUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${name}: ${JSON.stringify(value)} is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`${name}: ${JSON.stringify(value)} is not an http(s) URL`);
  }
  return value;
}

// `key=value,key2=value2`, values percent-encoded (the OTLP exporter spec's format).
function pairs(name: string, value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of (value ?? "").split(",")) {
    if (item.trim() === "") continue;
    const eq = item.indexOf("=");
    if (eq <= 0) throw new TypeError(`${name}: ${JSON.stringify(item)} is not key=value`);
    try {
      out[decodeURIComponent(item.slice(0, eq).trim())] = decodeURIComponent(
        item.slice(eq + 1).trim(),
      );
    } catch {
      throw new TypeError(`${name}: ${JSON.stringify(item)} is not percent-encoded`);
    }
  }
  return out;
}

function headers(env: Env): Record<string, string> {
  return {
    ...pairs("OTEL_EXPORTER_OTLP_HEADERS", env.OTEL_EXPORTER_OTLP_HEADERS),
    ...pairs("OTEL_EXPORTER_OTLP_TRACES_HEADERS", env.OTEL_EXPORTER_OTLP_TRACES_HEADERS),
  };
}

function integer(env: Env, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    throw new TypeError(`${name}: ${JSON.stringify(raw)} is not a non-negative integer`);
  }
  return n;
}

function batchOptions(env: Env): Record<string, number> {
  const options: Record<string, number> = {};
  const set = (key: string, name: string) => {
    const v = integer(env, name);
    if (v !== undefined) options[key] = v;
  };
  set("scheduledDelayMillis", "OTEL_BSP_SCHEDULE_DELAY");
  set("exportTimeoutMillis", "OTEL_BSP_EXPORT_TIMEOUT");
  set("maxQueueSize", "OTEL_BSP_MAX_QUEUE_SIZE");
  set("maxExportBatchSize", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE");
  return options;
}

function resourceAttributes(env: Env, options: TracingSetupOptions): Record<string, string> {
  const attributes: Record<string, string> = {};
  if (options.serviceName !== undefined) attributes["service.name"] = options.serviceName;
  if (options.serviceVersion !== undefined) attributes["service.version"] = options.serviceVersion;
  Object.assign(attributes, pairs("OTEL_RESOURCE_ATTRIBUTES", env.OTEL_RESOURCE_ATTRIBUTES));
  const name = env.OTEL_SERVICE_NAME?.trim();
  if (name) attributes["service.name"] = name;
  return attributes;
}

const samplers: readonly SamplerName[] = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
];

function sampler(env: Env): { sampler: SamplerName; ratio: number } {
  const name = env.OTEL_TRACES_SAMPLER?.trim().toLowerCase() || "parentbased_always_on";
  const known = samplers.find((s) => s === name);
  if (known === undefined) {
    throw new TypeError(`OTEL_TRACES_SAMPLER: unsupported sampler ${JSON.stringify(name)}`);
  }
  if (!known.endsWith("traceidratio")) return { sampler: known, ratio: 1 };
  const raw = env.OTEL_TRACES_SAMPLER_ARG?.trim();
  if (raw === undefined || raw === "") return { sampler: known, ratio: 1 };
  const ratio = Number(raw);
  if (!(ratio >= 0 && ratio <= 1)) {
    throw new TypeError(`OTEL_TRACES_SAMPLER_ARG: ${JSON.stringify(raw)} is not in [0, 1]`);
  }
  return { sampler: known, ratio };
}
