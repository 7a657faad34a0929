// Durations as config values: Go-style strings ("1.5s", "500ms", "1h30m") or numbers of
// milliseconds, parsed exactly to nanoseconds so protobuf Durations lose nothing.

const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  "µs": 1_000n,
  "μs": 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/**
 * Parses a duration string to nanoseconds, or returns `undefined` if it is not one.
 * A bare number without a unit is rejected (ambiguous) except `0`.
 */
export function parseDurationNs(text: string): bigint | undefined {
  let s = text.trim();
  let sign = 1n;
  if (s.startsWith("-") || s.startsWith("+")) {
    if (s[0] === "-") sign = -1n;
    s = s.slice(1);
  }
  if (s === "0") return 0n;
  if (s === "") return undefined;
  let total = 0n;
  PART.lastIndex = 0;
  while (PART.lastIndex < s.length) {
    const at = PART.lastIndex;
    const m = PART.exec(s);
    if (!m || m.index !== at) return undefined;
    const unit = UNIT_NS[m[2]];
    const [int, frac = ""] = m[1].split(".");
    total += BigInt(int || "0") * unit;
    if (frac !== "") total += (BigInt(frac) * unit) / 10n ** BigInt(frac.length);
  }
  return sign * total;
}

/** Nanoseconds from a config value: a duration string or a number of milliseconds. */
export function toDurationNs(v: unknown): bigint | undefined {
  if (typeof v === "number") {
    if (!Number.isFinite(v)) return undefined;
    return BigInt(Math.round(v * 1_000_000));
  }
  if (typeof v === "string") return parseDurationNs(v);
  return undefined;
}

/** Formats nanoseconds as a protobuf JSON Duration (`"1.500s"`: 0, 3, 6 or 9 decimals). */
export function formatProtoDuration(ns: bigint): string {
  const neg = ns < 0n;
  const abs = neg ? -ns : ns;
  const secs = abs / 1_000_000_000n;
  let frac = (abs % 1_000_000_000n).toString().padStart(9, "0");
  while (frac.endsWith("000")) frac = frac.slice(0, -3);
  return `${neg ? "-" : ""}${secs}${frac === "" ? "" : `.${frac}`}s`;
}
