// The OpenTelemetry SDK's tracer provider built from a plan `setupTracing()` already checked.
// This module is what loads the SDK (sdk-trace, resources, core): `setupTracing()` imports it
// only when tracing is on, so a service without OTEL_* never loads the SDK.
import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import type { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  type ReadableSpan,
  type Sampler,
  type SpanExporter,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import type { Logger } from "../log/mod.ts";
import { type ExportHealthCounts, withExportHealth } from "./export_health.ts";

/** The samplers `OTEL_TRACES_SAMPLER` may name. */
export type SamplerName =
  | "always_on"
  | "always_off"
  | "traceidratio"
  | "parentbased_always_on"
  | "parentbased_always_off"
  | "parentbased_traceidratio";

/** Where spans are exported over OTLP/HTTP protobuf. */
export interface OtlpPlan {
  /** The traces URL. */
  readonly url: string;
  /** Headers sent with every export. */
  readonly headers: Record<string, string>;
  /** Bound on one export, in ms (the exporter's default when absent). */
  readonly timeoutMillis?: number;
  /** Counts the exporter's health into this record. */
  readonly health: ExportHealthCounts;
}

/** Everything the SDK's provider is built from, already validated. */
export interface TracingPlan {
  /** Export over OTLP, when set. */
  readonly otlp?: OtlpPlan;
  /** Export to the console too. */
  readonly console: boolean;
  /** `OTEL_BSP_*` options of every batch span processor. */
  readonly batch: Readonly<Record<string, number>>;
  /** Resource attributes over the SDK's defaults. */
  readonly resource: Readonly<Record<string, string>>;
  /** The sampler and, for the ratio ones, its ratio. */
  readonly sampler: SamplerName;
  /** Ratio of `traceidratio` samplers. */
  readonly ratio: number;
  /** Where the exporter's health goes. */
  readonly logger: Logger;
  /** Least time between two "trace export failed" lines. */
  readonly warnIntervalMs?: number;
}

/** The SDK's tracer provider for `plan`, its spans batched to the planned exporters. */
export function sdkProvider(plan: TracingPlan): TracerProvider {
  const processors: SpanProcessor[] = [];
  if (plan.otlp !== undefined) {
    const { url, headers, timeoutMillis, health } = plan.otlp;
    const exporter = withExportHealth(otlpExporter({ url, headers, timeoutMillis }), {
      logger: plan.logger,
      endpoint: url,
      warnIntervalMs: plan.warnIntervalMs,
      health,
    });
    processors.push(new BatchSpanProcessor({ exporter, ...plan.batch }));
  }
  if (plan.console) {
    processors.push(new BatchSpanProcessor({ exporter: new ConsoleSpanExporter(), ...plan.batch }));
  }
  return new TracerProvider({
    resource: defaultResource().merge(resourceFromAttributes(plan.resource)),
    sampler: sampler(plan.sampler, plan.ratio),
    spanProcessors: processors,
  });
}

// The OTLP exporter (its HTTP transport and the serializers for traces, metrics and logs) is
// imported here, when tracing is on: a service without OTEL_* never loads it, and a Workers
// bundle leaves it out unless it exports. The import starts at once, so the first batch only
// waits for it when it is exported within the first moments.
function otlpExporter(config: ConstructorParameters<typeof OTLPTraceExporter>[0]): SpanExporter {
  const ready = import("@opentelemetry/exporter-trace-otlp-proto").then((m) =>
    new m.OTLPTraceExporter(config)
  );
  ready.catch(() => {}); // seen by export(), which reports it as the batch's failure
  return {
    export(spans: ReadableSpan[], done: (result: ExportResult) => void) {
      ready.then(
        (exporter) => exporter.export(spans, done),
        (error) => done({ code: ExportResultCode.FAILED, error }),
      );
    },
    shutdown: () => ready.then((exporter) => exporter.shutdown(), () => {}),
    forceFlush: () => ready.then((exporter) => exporter.forceFlush(), () => {}),
  };
}

function sampler(name: SamplerName, ratio: number): Sampler {
  switch (name) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return new TraceIdRatioBasedSampler(ratio);
    case "parentbased_always_on":
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  }
}
