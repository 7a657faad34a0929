// Option checking shared by the adapters, so a bad option fails at construction with a
// message naming the adapter and the option, and the default event reporting.
import { positive } from "../internal/options.ts";
import type { RegistryEvent, RegistryEventHandler } from "./registry.ts";

/** Checks a positive number option (`fallback` when unset). */
export function positiveOption(
  value: number | undefined,
  fallback: number,
  adapter: string,
  option: string,
): number {
  return positive(adapter, option, value ?? fallback);
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

/** Options every network adapter takes besides how to reach its backend. */
export interface AdapterOptions {
  /** First retry delay in ms after a failure (default 500). */
  readonly retryInitialMs?: number;
  /** Largest retry delay in ms (default 10 000). */
  readonly retryMaxMs?: number;
  /** Receives background events (default: failures go to `console.warn`). */
  readonly onEvent?: RegistryEventHandler;
}

/** The parsed common options of one adapter. */
export interface Common {
  /** Retry pacing. */
  readonly retry: { readonly initialMs: number; readonly maxMs: number };
  /** Event sink. */
  readonly emit: (event: RegistryEvent) => void;
}

/** Checks the common options. */
export function commonOptions(options: AdapterOptions, adapter: string): Common {
  return {
    retry: {
      initialMs: positiveOption(options.retryInitialMs, 500, adapter, "retryInitialMs"),
      maxMs: positiveOption(options.retryMaxMs, 10_000, adapter, "retryMaxMs"),
    },
    emit: emitter(options.onEvent),
  };
}
