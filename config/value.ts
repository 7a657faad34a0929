// A snapshot of one config value with typed accessors. Accessors accept the string forms env
// variables and placeholders produce ("8000", "true", "1.5s"), since those arrive as text.
import { toDurationNs } from "./duration.ts";
import { ConfigError } from "./errors.ts";
import { isPlainObject } from "./path.ts";
import type { UnknownFieldsHandler } from "./scan.ts";
import { scanInto } from "./scan.ts";
import type { Schema } from "./types.ts";

/** The value at one key, as it was when `value(key)` was called. */
export class Value {
  /** The dotted key this value was read from. */
  readonly key: string;
  readonly #raw: unknown;
  readonly #onUnknown: UnknownFieldsHandler;

  /** Wraps a raw value (use `Config.value` rather than constructing one). */
  constructor(key: string, raw: unknown, onUnknown: UnknownFieldsHandler = () => {}) {
    this.key = key;
    this.#raw = raw;
    this.#onUnknown = onUnknown;
  }

  /** True when the key is set to something other than `null`. */
  get exists(): boolean {
    return this.#raw !== undefined && this.#raw !== null;
  }

  /** The raw value (frozen), or `undefined` when not set. */
  raw(): unknown {
    return this.#raw;
  }

  /** A string; numbers and booleans are converted. Returns `fallback` when not set. */
  string(fallback?: string): string {
    return this.#get(fallback, "a string", (v) => {
      if (typeof v === "string") return v;
      if (typeof v === "number" || typeof v === "boolean") return String(v);
      return undefined;
    });
  }

  /** A finite number; numeric strings are accepted. Returns `fallback` when not set. */
  number(fallback?: number): number {
    return this.#get(fallback, "a number", (v) => {
      if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
      if (typeof v === "string" && v.trim() !== "") {
        const n = Number(v);
        return Number.isFinite(n) ? n : undefined;
      }
      return undefined;
    });
  }

  /** An integer; integral numeric strings are accepted. Returns `fallback` when not set. */
  int(fallback?: number): number {
    const n = this.number(fallback);
    if (!Number.isInteger(n)) throw this.#typeError("an integer");
    return n;
  }

  /** A boolean; `"true"`/`"false"`/`"1"`/`"0"` strings are accepted. */
  bool(fallback?: boolean): boolean {
    return this.#get(fallback, "a boolean", (v) => {
      if (typeof v === "boolean") return v;
      if (typeof v === "string") {
        const s = v.trim().toLowerCase();
        if (s === "true" || s === "1") return true;
        if (s === "false" || s === "0") return false;
      }
      return undefined;
    });
  }

  /**
   * A duration in milliseconds: strings such as `"1.5s"`, `"500ms"`, `"1h30m"`, or a number
   * (taken as milliseconds). Returns `fallback` (milliseconds) when not set.
   */
  duration(fallback?: number): number {
    return this.#get(fallback, 'a duration such as "1.5s" or "500ms"', (v) => {
      const ns = toDurationNs(v);
      return ns === undefined ? undefined : Number(ns) / 1_000_000;
    });
  }

  /** The elements of an array, each as a Value (`key[0]`, `key[1]`…). */
  array(fallback?: readonly unknown[]): Value[] {
    const arr = this.#get(fallback, "an array", (v) => Array.isArray(v) ? v : undefined);
    return arr.map((x, i) => new Value(`${this.key}[${i}]`, x, this.#onUnknown));
  }

  /** The entries of an object, each as a Value (`key.name`). */
  map(fallback?: Readonly<Record<string, unknown>>): Record<string, Value> {
    const obj = this.#get(fallback, "an object", (v) => isPlainObject(v) ? v : undefined);
    const out: Record<string, Value> = {};
    for (const [k, v] of Object.entries(obj)) {
      out[k] = new Value(this.key === "" ? k : `${this.key}.${k}`, v, this.#onUnknown);
    }
    return out;
  }

  /** Scans the value into a protobuf message schema or a Standard-Schema validator. */
  scan<T>(schema: Schema<T>): Promise<T> {
    return scanInto(schema, this.#raw, this.key, this.#onUnknown);
  }

  #get<T>(fallback: T | undefined, expected: string, convert: (v: unknown) => T | undefined): T {
    if (!this.exists) {
      if (fallback !== undefined) return fallback;
      throw new ConfigError("not_found", `config key "${this.key}" is not set`, { key: this.key });
    }
    const out = convert(this.#raw);
    if (out === undefined) throw this.#typeError(expected);
    return out;
  }

  #typeError(expected: string): ConfigError {
    const got = JSON.stringify(this.#raw) ?? String(this.#raw);
    const shown = got.length > 80 ? `${got.slice(0, 77)}...` : got;
    return new ConfigError("type", `config key "${this.key}": expected ${expected}, got ${shown}`, {
      key: this.key,
    });
  }
}
