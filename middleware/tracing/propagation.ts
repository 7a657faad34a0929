// Trace context on the wire. `@opentelemetry/api` ships no propagator implementation (the W3C
// one lives in the SDK's core package), so this file holds a W3C Trace Context one
// (`traceparent`, `tracestate`) that works with nothing installed. A propagator registered
// globally (an SDK's, say W3C + baggage + B3) or passed in the options takes over.
import {
  type Context,
  propagation,
  ROOT_CONTEXT,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  trace,
  type TraceState,
} from "@opentelemetry/api";
import { registered as registeredGlobally } from "./globals.ts";

/**
 * A text-map propagator (the structural shape of OpenTelemetry's `TextMapPropagator`): pass an
 * SDK's to carry other formats (B3, Jaeger, baggage).
 */
export interface PropagatorLike {
  /** Writes the context's trace identity into `carrier` through `setter`. */
  inject(context: unknown, carrier: unknown, setter: unknown): void;
  /** Returns `context` extended with the identity read from `carrier` through `getter`. */
  extract(context: unknown, carrier: unknown, getter: unknown): unknown;
  /** The header names the propagator reads and writes. */
  fields(): string[];
}

const getter: TextMapGetter<Headers> = {
  get: (carrier, key) => carrier.get(key) ?? undefined,
  keys: (carrier) => [...carrier.keys()],
};

const setter: TextMapSetter<Headers> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

/** Reads and writes trace context on request headers. */
export interface HeaderPropagation {
  /** The parent context of a server span: what the caller sent, or the root context. */
  extract(headers: Headers): Context;
  /** Writes `ctx`'s span into outgoing headers (`spanContext` is that span's, for speed). */
  inject(ctx: Context, spanContext: SpanContext, headers: Headers): void;
}

/** Header propagation through `custom`, else the global propagator once one is registered, else W3C. */
export function headerPropagation(custom: PropagatorLike | undefined): HeaderPropagation {
  if (custom !== undefined) {
    const p = custom as TextMapPropagator;
    if (
      typeof p?.inject !== "function" || typeof p.extract !== "function" ||
      typeof p.fields !== "function"
    ) {
      throw new TypeError("tracing: propagator must have inject, extract and fields methods");
    }
    return {
      extract: (headers) => p.extract(ROOT_CONTEXT, headers, getter),
      inject: (ctx, _, headers) => p.inject(ctx, headers, setter),
    };
  }
  // An SDK may register its propagator after the middleware is built, so this is asked per
  // call; the no-op propagator announces no fields.
  const registered = () => registeredGlobally("propagation") && propagation.fields().length > 0;
  return {
    extract(headers) {
      if (registered()) return propagation.extract(ROOT_CONTEXT, headers, getter);
      const sc = parseTraceparent(headers.get("traceparent"), headers);
      return sc === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, sc);
    },
    inject(ctx, sc, headers) {
      if (registered()) return propagation.inject(ctx, headers, setter);
      headers.set("traceparent", formatTraceparent(sc));
      const state = sc.traceState?.serialize();
      if (state) headers.set("tracestate", state);
      else headers.delete("tracestate");
    },
  };
}

// version "-" trace-id "-" parent-id "-" trace-flags, lower-case hex; a later version may
// append fields after another "-", which version 00 forbids.
const traceparentPattern = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const zeroTrace = "00000000000000000000000000000000";
const zeroSpan = "0000000000000000";

/**
 * The remote span context in a `traceparent` header (with `tracestate`, given as a value or as
 * the headers to read it from), or `undefined` if it is absent or invalid.
 */
export function parseTraceparent(
  traceparent: string | null,
  tracestate?: string | null | Headers,
): SpanContext | undefined {
  if (traceparent === null) return undefined;
  const m = traceparentPattern.exec(traceparent);
  if (m === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = m;
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  if (traceId === zeroTrace || spanId === zeroSpan) return undefined;
  const sc: SpanContext = {
    traceId,
    spanId,
    traceFlags: parseInt(flags, 16),
    isRemote: true,
  };
  // Read from the headers only now: most calls carry no valid traceparent, and a header
  // lookup is not free.
  const raw = tracestate instanceof Headers ? tracestate.get("tracestate") : tracestate;
  if (raw) {
    const state = W3CTraceState.parse(raw);
    if (state !== undefined) sc.traceState = state;
  }
  return sc;
}

/** The `traceparent` header of a span context (version 00). */
export function formatTraceparent(sc: SpanContext): string {
  const flags = (sc.traceFlags & 0xff).toString(16).padStart(2, "0");
  return `00-${sc.traceId}-${sc.spanId}-${flags}`;
}

const keyPattern =
  /^(?:[a-z][_0-9a-z\-*/]{0,255}|[a-z0-9][_0-9a-z\-*/]{0,240}@[a-z][_0-9a-z\-*/]{0,13})$/;
const valuePattern = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;
const maxMembers = 32;

/** An immutable W3C `tracestate`: vendor key/values, most recently updated first. */
export class W3CTraceState implements TraceState {
  readonly #members: ReadonlyArray<readonly [string, string]>;

  private constructor(members: ReadonlyArray<readonly [string, string]>) {
    this.#members = members;
  }

  /**
   * Parses a header value. Invalid members are dropped; a duplicate key makes the whole header
   * invalid (the spec lets a receiver discard it), and so does going past 32 members.
   */
  static parse(header: string): W3CTraceState | undefined {
    const members: [string, string][] = [];
    const seen = new Set<string>();
    for (const part of header.split(",")) {
      const member = part.trim();
      if (member === "") continue;
      const eq = member.indexOf("=");
      if (eq <= 0) continue;
      const key = member.slice(0, eq);
      const value = member.slice(eq + 1);
      if (!keyPattern.test(key) || !valuePattern.test(value)) continue;
      if (seen.has(key)) return undefined;
      seen.add(key);
      members.push([key, value]);
    }
    if (members.length === 0 || members.length > maxMembers) return undefined;
    return new W3CTraceState(members);
  }

  /** A copy with `key` set and moved to the front (ignored if `key` or `value` is invalid). */
  set(key: string, value: string): W3CTraceState {
    if (!keyPattern.test(key) || !valuePattern.test(value)) return this;
    const rest = this.#members.filter(([k]) => k !== key);
    return new W3CTraceState([[key, value] as const, ...rest].slice(0, maxMembers));
  }

  /** A copy without `key`. */
  unset(key: string): W3CTraceState {
    return new W3CTraceState(this.#members.filter(([k]) => k !== key));
  }

  /** The value of `key`. */
  get(key: string): string | undefined {
    return this.#members.find(([k]) => k === key)?.[1];
  }

  /** The header value. */
  serialize(): string {
    return this.#members.map(([k, v]) => `${k}=${v}`).join(",");
  }
}
