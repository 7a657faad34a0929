// A parser of the Prometheus text exposition format (0.0.4): every sample with its labels, and
// the declared type of each family. Generic on purpose: the console reads whatever names an
// instance uses (OpenTelemetry's rpc_server_*, Kratos's server_requests_*) and picks series by
// their shape, not by one exporter's spelling.

/** One sample line. */
export interface Sample {
  /** Metric name as written (`x_bucket`, `x_count`, …). */
  readonly name: string;
  /** Labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** Value (NaN and ±Inf allowed). */
  readonly value: number;
}

/** A parsed exposition. */
export interface Exposition {
  /** Samples in order. */
  readonly samples: readonly Sample[];
  /** `# TYPE` of each family, by family name. */
  readonly types: ReadonlyMap<string, string>;
}

/** Thrown for a line that is not in the text format, naming the line. */
export class ExpositionError extends Error {
  /** `line` is 1-based. */
  constructor(message: string, readonly line: number) {
    super(`line ${line}: ${message}`);
    this.name = "ExpositionError";
  }
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/** Parses `text`; throws {@linkcode ExpositionError} on a malformed line. */
export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    if (line.startsWith("#")) {
      const m = line.match(/^#\s*TYPE\s+([a-zA-Z_:][a-zA-Z0-9_:]*)\s+(\w+)/);
      if (m) types.set(m[1], m[2]);
      continue;
    }
    samples.push(parseSample(line, i + 1));
  }
  return { samples, types };
}

function parseSample(line: string, n: number): Sample {
  const name = line.match(NAME)?.[0];
  if (name === undefined) throw new ExpositionError(`no metric name in ${JSON.stringify(line)}`, n);
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith("{")) {
    rest = rest.slice(1);
    for (;;) {
      rest = rest.trimStart();
      if (rest.startsWith("}")) {
        rest = rest.slice(1);
        break;
      }
      const label = rest.match(LABEL)?.[0];
      if (label === undefined) throw new ExpositionError(`bad label in ${JSON.stringify(line)}`, n);
      rest = rest.slice(label.length).trimStart();
      if (!rest.startsWith('="')) throw new ExpositionError(`label ${label} has no value`, n);
      rest = rest.slice(2);
      let value = "";
      for (;;) {
        const c = rest[0];
        if (c === undefined) throw new ExpositionError(`unterminated value of ${label}`, n);
        rest = rest.slice(1);
        if (c === '"') break;
        if (c === "\\") {
          const e = rest[0];
          rest = rest.slice(1);
          value += e === "n" ? "\n" : e ?? "";
        } else value += c;
      }
      labels[label] = value;
      rest = rest.trimStart();
      if (rest.startsWith(",")) rest = rest.slice(1);
    }
  }
  const [valueText] = rest.trim().split(/\s+/);
  const value = parseValue(valueText);
  if (value === undefined) {
    throw new ExpositionError(`bad value ${JSON.stringify(valueText)} of ${name}`, n);
  }
  return { name, labels, value };
}

function parseValue(text: string | undefined): number | undefined {
  if (text === undefined || text === "") return undefined;
  if (text === "+Inf" || text === "Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "NaN") return NaN;
  const v = Number(text);
  return Number.isNaN(v) ? undefined : v;
}
