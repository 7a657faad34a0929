// The Prometheus text exposition format (0.0.4) of the in-process registry, with the name
// mapping OpenTelemetry's Prometheus exporter uses (dots to underscores, a unit suffix,
// `_total` on counters), so dashboards survive a later move to an SDK and its exporter.

/** One time series: its attributes and what was recorded. */
export interface Series {
  /** Attributes, as recorded. */
  readonly attributes: Readonly<Record<string, string | number | boolean | undefined>>;
  /** Counter total, or histogram sum. */
  sum: number;
  /** Histogram observations. */
  count: number;
  /** Histogram observations per bucket (not cumulative; the last is +Inf). */
  readonly buckets: number[];
}

/** An instrument as the exposition reads it. */
export interface Instrument {
  /** `counter` or `histogram`. */
  readonly kind: "counter" | "histogram";
  /** The OpenTelemetry name, e.g. `rpc.server.call.duration`. */
  readonly name: string;
  /** Help text. */
  readonly description: string;
  /** UCUM unit. */
  readonly unit: string;
  /** Histogram upper bounds, ascending. */
  readonly bounds: readonly number[];
  /** Series by attribute key. */
  readonly series: ReadonlyMap<string, Series>;
}

/** Anything that renders the Prometheus text format (a `MetricsRegistry`). */
export interface Exposable {
  /** The Prometheus text exposition (format 0.0.4). */
  exposition(): string;
}

/** The content type of the Prometheus text format. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/**
 * A handler serving `registry` in the Prometheus text format: a Hono handler
 * (`server.app.get("/metrics", metricsHandler(registry))`) that also works as a plain Fetch
 * handler, since it reads nothing from its argument.
 */
export function metricsHandler(registry: Exposable): (context?: unknown) => Response {
  return () =>
    new Response(registry.exposition(), {
      headers: { "content-type": PROMETHEUS_CONTENT_TYPE },
    });
}

/** Renders instruments in the text format, one `# HELP`/`# TYPE` block each. */
export function exposition(instruments: Iterable<Instrument>): string {
  let out = "";
  for (const inst of instruments) {
    const name = metricName(inst);
    if (inst.description !== "") out += `# HELP ${name} ${escapeHelp(inst.description)}\n`;
    out += `# TYPE ${name} ${inst.kind}\n`;
    for (const series of inst.series.values()) {
      const labels = labelPairs(series.attributes);
      if (inst.kind === "counter") {
        out += `${name}${braced(labels)} ${formatNumber(series.sum)}\n`;
        continue;
      }
      let cumulative = 0;
      for (let i = 0; i <= inst.bounds.length; i++) {
        cumulative += series.buckets[i];
        const le = i < inst.bounds.length ? formatNumber(inst.bounds[i]) : "+Inf";
        out += `${name}_bucket${braced([...labels, `le="${le}"`])} ${cumulative}\n`;
      }
      out += `${name}_sum${braced(labels)} ${formatNumber(series.sum)}\n`;
      out += `${name}_count${braced(labels)} ${series.count}\n`;
    }
  }
  return out;
}

// UCUM units to the words Prometheus names carry; `{…}` annotations carry no unit.
const unitWords: Readonly<Record<string, string>> = {
  ns: "nanoseconds",
  us: "microseconds",
  ms: "milliseconds",
  s: "seconds",
  min: "minutes",
  h: "hours",
  d: "days",
  By: "bytes",
  KiBy: "kibibytes",
  MiBy: "mebibytes",
  GiBy: "gibibytes",
  KBy: "kilobytes",
  MBy: "megabytes",
  GBy: "gigabytes",
  "%": "percent",
};

/** The Prometheus name of an instrument, e.g. `rpc_server_call_duration_seconds`. */
export function metricName(inst: Pick<Instrument, "kind" | "name" | "unit">): string {
  let name = sanitize(inst.name, /[^a-zA-Z0-9_:]/g);
  const unit = inst.unit.replace(/\{[^}]*\}/g, "");
  const word = unit === "" || unit === "1"
    ? ""
    : unitWords[unit] ?? sanitize(unit, /[^a-zA-Z0-9_]/g);
  if (word !== "" && !name.endsWith(`_${word}`)) name += `_${word}`;
  if (inst.kind === "counter" && !name.endsWith("_total")) name += "_total";
  return name;
}

function sanitize(text: string, invalid: RegExp): string {
  const s = text.replace(invalid, "_").replace(/_+/g, "_");
  return /^[0-9]/.test(s) ? `_${s}` : s;
}

function labelPairs(attributes: Series["attributes"]): string[] {
  const pairs: string[] = [];
  for (const key in attributes) {
    const value = attributes[key];
    if (value === undefined) continue;
    pairs.push(`${sanitize(key, /[^a-zA-Z0-9_]/g)}="${escapeLabel(String(value))}"`);
  }
  return pairs;
}

function braced(pairs: readonly string[]): string {
  return pairs.length === 0 ? "" : `{${pairs.join(",")}}`;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function formatNumber(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}
