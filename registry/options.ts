// Option checking shared by the adapters, so a bad option fails at construction with a
// message naming the adapter and the option, and the default event reporting.
import { RegistryError } from "./errors.ts";
import type { HttpClient } from "./http.ts";
import type { FetchLike, RegistryEvent, RegistryEventHandler } from "./registry.ts";

/** Checks and normalises an adapter's base URL option. */
export function baseUrl(value: unknown, adapter: string, option: string): string {
  if (typeof value !== "string" || value === "") {
    throw new RegistryError("invalid_option", `${adapter}: ${option} is required (a URL)`);
  }
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  try {
    const url = new URL(withScheme);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("not http(s)");
  } catch {
    throw new RegistryError(
      "invalid_option",
      `${adapter}: ${option} ${JSON.stringify(value)} is not an http(s) URL`,
    );
  }
  return withScheme.replace(/\/+$/, "");
}

/** Checks a positive number option. */
export function positiveOption(
  value: number | undefined,
  fallback: number,
  adapter: string,
  option: string,
): number {
  const v = value ?? fallback;
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
    throw new RegistryError(
      "invalid_option",
      `${adapter}: ${option} must be a positive number, got ${String(value)}`,
    );
  }
  return v;
}

/** Delivers an event without letting a throwing handler break the adapter. */
export function emitter(handler: RegistryEventHandler | undefined): (e: RegistryEvent) => void {
  const h = handler ?? defaultHandler;
  return (event) => {
    try {
      h(event);
    } catch {
      // A logging hook must not take the heartbeat down with it.
    }
  };
}

function defaultHandler(event: RegistryEvent): void {
  if (event.type === "registration_recovered") return;
  console.warn(`registry: ${event.type}: ${event.error.message}`);
}

/** Options every network adapter takes. */
export interface AdapterOptions {
  /** The fetch to use (default `globalThis.fetch`). */
  readonly fetch?: FetchLike;
  /** Bound on each ordinary request in ms (the default depends on the adapter). */
  readonly timeoutMs?: number;
  /** First retry delay in ms after a failure (default 500). */
  readonly retryInitialMs?: number;
  /** Largest retry delay in ms (default 10 000). */
  readonly retryMaxMs?: number;
  /** Receives background events (default: failures go to `console.warn`). */
  readonly onEvent?: RegistryEventHandler;
}

/** The parsed common options of one adapter. */
export interface Common {
  /** How to reach the backend. */
  readonly client: HttpClient;
  /** Retry pacing. */
  readonly retry: { readonly initialMs: number; readonly maxMs: number };
  /** Event sink. */
  readonly emit: (event: RegistryEvent) => void;
}

/** Checks the common options; `timeoutMs` is the adapter's default request bound. */
export function commonOptions(
  options: AdapterOptions,
  adapter: string,
  timeoutMs: number,
  headers?: Readonly<Record<string, string>>,
): Common {
  return {
    client: {
      fetch: options.fetch ?? ((input, init) => fetch(input, init)),
      timeoutMs: positiveOption(options.timeoutMs, timeoutMs, adapter, "timeoutMs"),
      headers,
    },
    retry: {
      initialMs: positiveOption(options.retryInitialMs, 500, adapter, "retryInitialMs"),
      maxMs: positiveOption(options.retryMaxMs, 10_000, adapter, "retryMaxMs"),
    },
    emit: emitter(options.onEvent),
  };
}
