// The one error every package throws for a bad option, and the checks that raise it, so a bad
// setting fails where it is given with the same wording everywhere:
// "<component>: <option> must be <rule>, got <value>".

/**
 * A constructor or factory was given an option it cannot use; names the option and value.
 * A `RangeError`, as the platform raises for an argument outside what a function accepts.
 */
export class InvalidOptionError extends RangeError {
  /** Always `"invalid_option"`, for code that branches on `code` across error types. */
  readonly code = "invalid_option";
  /** What refused the option, e.g. `etcd` or `retry`. */
  readonly component: string;
  /** The option's name as the caller spells it, e.g. `ttlMs` or `backoff.maxMs`. */
  readonly option: string;
  /** The value that was given. */
  readonly value: unknown;

  /**
   * `rule` completes "<option> must be …", e.g. `"a positive number"`; `explanation`, when
   * given, replaces that sentence for rules that do not fit it (options that go together).
   */
  constructor(
    component: string,
    option: string,
    rule: string,
    value: unknown,
    explanation?: string,
  ) {
    super(`${component}: ${explanation ?? `${option} must be ${rule}, got ${show(value)}`}`);
    this.name = "InvalidOptionError";
    this.component = component;
    this.option = option;
    this.value = value;
  }
}

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return "a function";
  if (typeof value === "bigint") return `${value}n`;
  if (value === null || typeof value !== "object") return String(value);
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function check(ok: boolean, component: string, name: string, rule: string, value: unknown) {
  if (!ok) throw new InvalidOptionError(component, name, rule, value);
}

/** `value` when it is a finite number > 0. */
export function positive(component: string, name: string, value: number): number {
  check(Number.isFinite(value) && value > 0, component, name, "a positive number", value);
  return value;
}

/** `value` when it is a finite number >= 0. */
export function nonNegative(component: string, name: string, value: number): number {
  check(Number.isFinite(value) && value >= 0, component, name, "a number >= 0", value);
  return value;
}

/** `value` when it is an integer > 0. */
export function positiveInt(component: string, name: string, value: number): number {
  check(Number.isInteger(value) && value > 0, component, name, "a positive integer", value);
  return value;
}

/** `value` when it is an integer >= 0. */
export function nonNegativeInt(component: string, name: string, value: number): number {
  check(Number.isInteger(value) && value >= 0, component, name, "an integer >= 0", value);
  return value;
}

/** `value` when it lies in (0, 1]. */
export function ratio(component: string, name: string, value: number): number {
  check(value > 0 && value <= 1, component, name, "in (0, 1]", value);
  return value;
}

/** `value` when it is at least `min` (finite). */
export function atLeast(component: string, name: string, value: number, min: number): number {
  check(Number.isFinite(value) && value >= min, component, name, `a number >= ${min}`, value);
  return value;
}

/** `value` when it is an integer of at least `min`. */
export function intAtLeast(component: string, name: string, value: number, min: number): number {
  check(Number.isInteger(value) && value >= min, component, name, `an integer >= ${min}`, value);
  return value;
}

/** `value` when it lies in [min, max]. */
export function inRange(
  component: string,
  name: string,
  value: number,
  min: number,
  max: number,
): number {
  check(value >= min && value <= max, component, name, `in [${min}, ${max}]`, value);
  return value;
}

/** `value` when it is a string that is not empty. */
export function nonEmptyString(component: string, name: string, value: unknown): string {
  check(typeof value === "string" && value !== "", component, name, "a non-empty string", value);
  return value as string;
}

/** `value` when it is a function. */
export function isFunction<F>(component: string, name: string, value: F): F {
  check(typeof value === "function", component, name, "a function", value);
  return value;
}

/**
 * An http(s) base URL without trailing slashes; `host:port` without a scheme means
 * `http://host:port`, as the Go clients of etcd, Consul and Nacos accept.
 */
export function httpUrl(component: string, name: string, value: unknown): string {
  const rule = "an http(s) URL such as http://127.0.0.1:2379";
  check(typeof value === "string" && value !== "", component, name, rule, value);
  const text = value as string;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL | undefined;
  try {
    url = new URL(withScheme);
  } catch {
    // reported below
  }
  check(
    url !== undefined && (url.protocol === "http:" || url.protocol === "https:") &&
      url.hostname !== "",
    component,
    name,
    rule,
    value,
  );
  return withScheme.replace(/\/+$/, "");
}
