// Record encoders: logfmt (`level=INFO msg="hi there" user=42`) and JSON lines
// (`{"level":"INFO","msg":"hi there","user":42}`). Both keep key/values in call order, duplicates
// included, and never throw on a value they cannot render.
import { type Level, levelKey, levelName, levels } from "./level.ts";

/** Turns a record into one line (without the trailing newline). */
export type Formatter = (level: Level, keyvals: readonly unknown[]) => string;

/** Value given to a key that has none (an odd number of key/values), as Kratos writes it. */
export const unpaired = "KEYVALS UNPAIRED";

/** Encodes a record as logfmt; the level comes first. */
export function formatLogfmt(level: Level, keyvals: readonly unknown[]): string {
  let line = logfmtLevels[level] ?? `${levelKey}=${levelName(level)}`;
  for (let i = 0; i < keyvals.length; i += 2) {
    const value = i + 1 < keyvals.length ? keyvals[i + 1] : unpaired;
    line += logfmtPair(keyvals[i], value);
  }
  return line;
}

/** Encodes a record as one JSON object; the level comes first. */
export function formatJson(level: Level, keyvals: readonly unknown[]): string {
  let line = `{"${levelKey}":"${levelName(level)}"`;
  for (let i = 0; i < keyvals.length; i += 2) {
    const value = i + 1 < keyvals.length ? keyvals[i + 1] : unpaired;
    line += `,${JSON.stringify(keyText(keyvals[i]))}:${jsonValue(value)}`;
  }
  return line + "}";
}

const logfmtLevels: Readonly<Record<string, string>> = Object.fromEntries(
  levels.map((l) => [l, `${levelKey}=${levelName(l)}`]),
);

// Characters that would end a logfmt token or confuse a parser.
// deno-lint-ignore no-control-regex
const logfmtSpecialAll = /[\u0000-\u0020"=\u007f]/g;

// The test above as a loop: for the short values of a log line it beats a regex call.
function needsQuoting(t: string): boolean {
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c <= 0x20 || c === 0x22 || c === 0x3d || c === 0x7f) return true;
  }
  return false;
}

// Keys are nearly always the same few literals, and most of their values repeat from one line to
// the next (the service's name, the operation, `code=0`, the timestamp within a millisecond):
// each key remembers its ` key=` text and its last scalar value with the whole ` key=value`
// segment, so a repeated pair costs a comparison and lines share their segments. Bounded, so
// keys built from data cannot grow it without limit.
interface KeyEntry {
  readonly prefix: string;
  value: unknown;
  segment: string;
}
const keyCache = new Map<string, KeyEntry>();
const KEY_CACHE_MAX = 1024;
const MEMO_MAX_CHARS = 256;
// No value is ever this, so a fresh entry remembers nothing.
const nothing = Symbol("nothing");

function logfmtPair(key: unknown, value: unknown): string {
  let entry = typeof key === "string" ? keyCache.get(key) : undefined;
  if (entry === undefined) {
    const k = keyText(key);
    const prefix = ` ${k === "" ? "_" : needsQuoting(k) ? k.replace(logfmtSpecialAll, "_") : k}=`;
    entry = { prefix, value: nothing, segment: "" };
    if (typeof key === "string" && keyCache.size < KEY_CACHE_MAX) keyCache.set(key, entry);
  }
  if (entry.value === value) return entry.segment;
  const segment = entry.prefix + logfmtValue(value);
  // Only scalars (an object's text may change while it stays the same object), and only short
  // strings: the cache must not keep a large value alive.
  const type = typeof value;
  if (
    type === "number" || type === "boolean" ||
    (type === "string" && (value as string).length <= MEMO_MAX_CHARS)
  ) {
    entry.value = value;
    entry.segment = segment;
  }
  return segment;
}

function logfmtValue(v: unknown): string {
  // A finite number's text never needs quoting.
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  const t = text(v);
  return t === "" || needsQuoting(t) ? JSON.stringify(t) : t;
}

function keyText(key: unknown): string {
  return typeof key === "string" ? key : text(key);
}

/** A value as text: strings as they are, scalars printed, objects as JSON. */
export function text(v: unknown): string {
  switch (typeof v) {
    case "string":
      return v;
    case "number":
    case "boolean":
    case "bigint":
    case "undefined":
      return String(v);
    case "symbol":
      return v.toString();
    case "function":
      return `[function ${v.name || "anonymous"}]`;
  }
  if (v === null) return "null";
  if (v instanceof Error) return errorText(v);
  if (v instanceof Date) return dateText(v);
  return safeJson(v);
}

function jsonValue(v: unknown): string {
  switch (typeof v) {
    case "number":
      return Number.isFinite(v) ? String(v) : JSON.stringify(String(v));
    case "boolean":
      return String(v);
    case "undefined":
      return "null";
    case "object":
      if (v === null) return "null";
      if (v instanceof Error || v instanceof Date) break;
      return safeJson(v);
  }
  return JSON.stringify(text(v));
}

function errorText(e: Error): string {
  try {
    return String(e);
  } catch {
    return `${e.name}: ${e.message}`;
  }
}

function dateText(d: Date): string {
  return Number.isNaN(d.getTime()) ? "Invalid Date" : d.toISOString();
}

/** JSON with Map/Set/Headers readable, bigints as strings, repeats cut; never throws. */
export function safeJson(v: unknown): string {
  const seen = new WeakSet<object>();
  try {
    return JSON.stringify(v, (_key, value: unknown) => {
      if (typeof value === "bigint") return value.toString();
      if (typeof value === "function" || typeof value === "symbol") return text(value);
      if (typeof value !== "object" || value === null) return value;
      if (seen.has(value)) return "[repeated]";
      seen.add(value);
      if (value instanceof Map) return Object.fromEntries(value);
      if (value instanceof Set) return [...value];
      if (value instanceof Headers) return Object.fromEntries(value);
      if (value instanceof Error) return errorText(value);
      return value;
    }) ?? "undefined";
  } catch {
    return "[unserializable]";
  }
}
