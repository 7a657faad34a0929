// An in-process metrics registry with the instrument calls of an OpenTelemetry `Meter`
// (`createCounter`, `createHistogram`), so the metrics middleware can record into it or into an
// SDK's meter alike, and a Prometheus scrape needs no SDK at all.
import { type Exposable, exposition, type Instrument, type Series } from "./exposition.ts";

/** Attribute values of a measurement (OpenTelemetry's `MetricAttributes`). */
export type MetricAttributesLike = Readonly<Record<string, string | number | boolean | undefined>>;

/** Options of an instrument, as OpenTelemetry's `MetricOptions` spell them. */
export interface InstrumentOptionsLike {
  /** Help text. */
  description?: string;
  /** UCUM unit, e.g. `ms`, `s`, `By`, `{request}`. */
  unit?: string;
  /** Hints to the SDK; only `explicitBucketBoundaries` is used here. */
  advice?: { explicitBucketBoundaries?: number[] };
}

/** A monotonic counter. */
export interface CounterLike {
  /** Adds a non-negative `value` to the series of `attributes`. */
  add(value: number, attributes?: MetricAttributesLike): void;
}

/** A histogram. */
export interface HistogramLike {
  /** Records `value` in the series of `attributes`. */
  record(value: number, attributes?: MetricAttributesLike): void;
}

/** What the metrics middleware needs of a meter: an OpenTelemetry `Meter` or a registry. */
export interface MeterLike {
  /** Creates (or returns) a counter. */
  createCounter(name: string, options?: InstrumentOptionsLike): CounterLike;
  /** Creates (or returns) a histogram. */
  createHistogram(name: string, options?: InstrumentOptionsLike): HistogramLike;
}

/** An in-process registry of counters and histograms that renders the Prometheus text format. */
export interface MetricsRegistry extends MeterLike, Exposable {}

/** Bucket boundaries (ms) OpenTelemetry SDKs use for histograms by default. */
export const DEFAULT_BUCKETS: readonly number[] = [
  0,
  5,
  10,
  25,
  50,
  75,
  100,
  250,
  500,
  750,
  1000,
  2500,
  5000,
  7500,
  10000,
];

/**
 * Middleware that records the same attributes on every call binds them once and records into
 * the bound series directly, skipping the per-call attribute key. Kept off the public surface.
 */
export const bindSeries: unique symbol = Symbol("atreus.metrics.bind");

/** A bound series: records without looking its attributes up. */
export type BoundRecorder = (value: number) => void;

/** An instrument of this registry, which can bind attributes once. */
export interface Bindable {
  /** Returns a recorder for the series of `attributes`. */
  [bindSeries](attributes: MetricAttributesLike): BoundRecorder;
}

/** Whether `instrument` comes from a registry of this module. */
export function isBindable(instrument: unknown): instrument is Bindable {
  return typeof (instrument as Partial<Bindable>)?.[bindSeries] === "function";
}

// OpenTelemetry's instrument name syntax.
const namePattern = /^[A-Za-z][A-Za-z0-9_./-]{0,254}$/;
// Series per instrument beyond which new attribute sets are dropped: a label taken from
// unbounded input must not exhaust memory.
const MAX_SERIES = 10_000;

class RegistryInstrument implements Instrument, CounterLike, HistogramLike, Bindable {
  readonly series = new Map<string, Series>();

  constructor(
    readonly kind: "counter" | "histogram",
    readonly name: string,
    readonly description: string,
    readonly unit: string,
    readonly bounds: readonly number[],
  ) {}

  add(value: number, attributes: MetricAttributesLike = {}): void {
    if (value >= 0) this.#seriesOf(attributes).sum += value;
  }

  record(value: number, attributes: MetricAttributesLike = {}): void {
    if (!Number.isNaN(value)) observe(this.#seriesOf(attributes), this.bounds, value);
  }

  [bindSeries](attributes: MetricAttributesLike): BoundRecorder {
    const series = this.#seriesOf(attributes);
    const bounds = this.bounds;
    return this.kind === "counter"
      ? (value) => {
        if (value >= 0) series.sum += value;
      }
      : (value) => {
        if (!Number.isNaN(value)) observe(series, bounds, value);
      };
  }

  #seriesOf(attributes: MetricAttributesLike): Series {
    const key = attributeKey(attributes);
    let series = this.series.get(key);
    if (series === undefined) {
      series = {
        attributes: { ...attributes },
        sum: 0,
        count: 0,
        buckets: new Array(this.bounds.length + 1).fill(0),
      };
      // Past the cap a series is still returned so callers work, but it is not exposed.
      if (this.series.size < MAX_SERIES) this.series.set(key, series);
    }
    return series;
  }
}

function observe(series: Series, bounds: readonly number[], value: number): void {
  series.sum += value;
  series.count++;
  let i = 0;
  while (i < bounds.length && value > bounds[i]) i++;
  series.buckets[i]++;
}

function attributeKey(attributes: MetricAttributesLike): string {
  const keys = Object.keys(attributes).filter((k) => attributes[k] !== undefined).sort();
  return JSON.stringify(keys.map((k) => [k, attributes[k]]));
}

/**
 * An in-process registry to pass as `meter` to `metrics.server()`/`metrics.client()` when no
 * OpenTelemetry SDK is wanted; serve it with `metricsHandler(registry)`. Asking twice for an
 * instrument of the same name returns the same one; a name reused with another kind or unit
 * is a `TypeError`.
 */
export function createMetricsRegistry(): MetricsRegistry {
  const instruments = new Map<string, RegistryInstrument>();
  const create = (
    kind: "counter" | "histogram",
    name: string,
    options: InstrumentOptionsLike = {},
  ): RegistryInstrument => {
    if (!namePattern.test(name)) {
      throw new TypeError(`metrics registry: invalid instrument name ${JSON.stringify(name)}`);
    }
    const unit = options.unit ?? "";
    const existing = instruments.get(name);
    if (existing !== undefined) {
      if (existing.kind !== kind || existing.unit !== unit) {
        throw new TypeError(
          `metrics registry: ${name} is already a ${existing.kind} in ${
            JSON.stringify(existing.unit)
          }`,
        );
      }
      return existing;
    }
    const bounds = kind === "histogram"
      ? checkBounds(name, options.advice?.explicitBucketBoundaries ?? DEFAULT_BUCKETS)
      : [];
    const instrument = new RegistryInstrument(kind, name, options.description ?? "", unit, bounds);
    instruments.set(name, instrument);
    return instrument;
  };
  return {
    createCounter: (name, options) => create("counter", name, options),
    createHistogram: (name, options) => create("histogram", name, options),
    exposition: () => exposition(instruments.values()),
  };
}

function checkBounds(name: string, bounds: readonly number[]): readonly number[] {
  for (let i = 0; i < bounds.length; i++) {
    if (!Number.isFinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
      throw new RangeError(
        `metrics registry: bucket boundaries of ${name} must be finite and strictly ascending`,
      );
    }
  }
  return [...bounds];
}
