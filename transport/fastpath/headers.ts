// Response trailers that remember whether anything was written: a Connect unary response only
// pays for muxing trailers into headers when a handler actually set one. And headers filled on
// first use, for the gRPC server on Node.
import { detectRuntime } from "../../internal/runtime.ts";

/** `Headers` that record writes in `written`. */
export class TrackedHeaders extends Headers {
  /** Whether set/append/delete was called. */
  written = false;

  /** Sets a header and marks the object written. */
  override set(name: string, value: string): void {
    this.written = true;
    super.set(name, value);
  }

  /** Appends a header and marks the object written. */
  override append(name: string, value: string): void {
    this.written = true;
    super.append(name, value);
  }

  /** Deletes a header and marks the object written. */
  override delete(name: string): void {
    this.written = true;
    super.delete(name);
  }
}

// Names Fetch accepts, lower case (a header object from node:http2 holds only these).
const LOWER_TOKEN = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

/** A header object as node:http2 hands it over, or a preset record. */
export type HeaderSource = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * `TrackedHeaders` whose entries are copied in from `source` (pseudo-headers left out, repeated
 * values appended in order) on first use rather than when built: on Node, filling a Headers
 * object validates every name and value, and a unary call builds three (request, reply and
 * trailers) of which most calls only read two or three names. `get` and `has` of a lower-case
 * name answer from the source as long as it holds one plain value for it. The copy is not
 * counted as a write. Only for runtimes whose Headers, Request and Response read another
 * Headers object through its public methods (see `deferHeaders`).
 */
export class DeferredHeaders extends TrackedHeaders {
  #source: HeaderSource | undefined;

  /** Headers that will hold `source`'s entries. */
  constructor(source: HeaderSource) {
    super();
    this.#source = source;
  }

  #fill(): void {
    const source = this.#source;
    if (source === undefined) return;
    this.#source = undefined;
    for (const key in source) {
      if (key.charCodeAt(0) === 58) continue; // ":" pseudo-headers
      const value = source[key];
      if (typeof value === "string") append.call(this, key, value);
      else if (value !== undefined) { for (const v of value) append.call(this, key, v); }
    }
  }

  /** The value of `name`, as `Headers.get`. */
  override get(name: string): string | null {
    const source = this.#source;
    if (source !== undefined && name.charCodeAt(0) !== 58) {
      const value = source[name];
      if (typeof value === "string" && plain(value)) return value;
      if (value === undefined && LOWER_TOKEN.test(name)) return null;
    }
    this.#fill();
    return super.get(name);
  }

  /** Whether `name` is present, as `Headers.has`. */
  override has(name: string): boolean {
    const source = this.#source;
    if (source !== undefined && name.charCodeAt(0) !== 58 && LOWER_TOKEN.test(name)) {
      return source[name] !== undefined;
    }
    this.#fill();
    return super.has(name);
  }

  /** Sets a header (after the copy). */
  override set(name: string, value: string): void {
    this.#fill();
    super.set(name, value);
  }

  /** Appends a header (after the copy). */
  override append(name: string, value: string): void {
    this.#fill();
    super.append(name, value);
  }

  /** Deletes a header (after the copy). */
  override delete(name: string): void {
    this.#fill();
    super.delete(name);
  }

  /** The `set-cookie` values, as `Headers.getSetCookie`. */
  override getSetCookie(): string[] {
    this.#fill();
    return super.getSetCookie();
  }

  /** Calls `fn` for every entry, as `Headers.forEach`. */
  override forEach(
    fn: (value: string, key: string, parent: this) => void,
    thisArg?: unknown,
  ): void {
    this.#fill();
    // Not `super.forEach(fn)`: lib.dom types its callback's `parent` as Headers and Deno's own
    // lib as `this`, and a project may build with either.
    for (const [key, value] of super.entries()) fn.call(thisArg, value, key, this);
  }

  /** The entries, as `Headers.entries`. */
  override entries(): ReturnType<Headers["entries"]> {
    this.#fill();
    return super.entries();
  }

  /** The names, as `Headers.keys`. */
  override keys(): ReturnType<Headers["keys"]> {
    this.#fill();
    return super.keys();
  }

  /** The values, as `Headers.values`. */
  override values(): ReturnType<Headers["values"]> {
    this.#fill();
    return super.values();
  }

  /** The entries, as iterating `Headers`. */
  override [Symbol.iterator](): ReturnType<Headers["entries"]> {
    this.#fill();
    return super.entries();
  }
}

const append = Headers.prototype.append;

// A value Fetch keeps as it is (it strips leading and trailing HTTP whitespace).
function plain(value: string): boolean {
  const n = value.length;
  return n === 0 || value.charCodeAt(0) > 32 && value.charCodeAt(n - 1) > 32;
}

/**
 * Whether this runtime's Headers, Request and Response copy a Headers subclass through its
 * overridden methods, so `DeferredHeaders` is safe to hand out: Node's do (undici iterates it);
 * Deno's Response and Bun's Headers copy the internal list directly and would see it empty.
 */
export const deferHeaders: boolean = detectRuntime() === "node";

/** Whether trailers may hold entries (untracked Headers are assumed to). */
export function maybeWritten(trailer: Headers): boolean {
  return !(trailer instanceof TrackedHeaders) || trailer.written;
}

/**
 * The init of a response whose body is already compressed (its `content-encoding` set):
 * Workers otherwise compress the body again as that header names, unless told it is "manual".
 * Other runtimes ignore the field.
 */
export function encodedInit(status: number, headers: HeadersInit): ResponseInit {
  return { status, headers, encodeBody: "manual" } as ResponseInit;
}

/** Headers every answer of a call carries (CORS), as one shared plain object per origin. */
export type ExtraHeaders = Readonly<Record<string, string>>;

const heads = new WeakMap<object, WeakMap<ExtraHeaders, Readonly<Record<string, string>>>>();

/**
 * The init headers of an untouched reply: `base` (its content type) plus `extra`, as one plain
 * object built once per pair, so the runtime's fast path for plain-object headers still applies.
 */
export function headWith(
  base: Readonly<Record<string, string>>,
  extra: ExtraHeaders | undefined,
): Readonly<Record<string, string>> {
  if (extra === undefined) return base;
  let byExtra = heads.get(base);
  if (byExtra === undefined) heads.set(base, byExtra = new WeakMap());
  let head = byExtra.get(extra);
  if (head === undefined) byExtra.set(extra, head = Object.freeze({ ...base, ...extra }));
  return head;
}

/** Adds `extra` to `headers`: `vary` is appended to what is there, the rest replaced. */
export function addHeaders(headers: Headers, extra: ExtraHeaders | undefined): void {
  if (extra === undefined) return;
  for (const key in extra) {
    if (key === "vary") headers.append(key, extra[key]);
    else headers.set(key, extra[key]);
  }
}
