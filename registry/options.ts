// Option checking shared by the adapters, so a bad option fails at construction with a
// message naming the adapter and the option, and the default event reporting.
import { type BackoffOptions, type BackoffSettings, backoffSettings } from "../internal/backoff.ts";
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
  /** Retry pacing after a failed heartbeat or watch (default 500 ms growing to 10 s). */
  readonly backoff?: BackoffOptions;
  /** Receives background events (default: failures go to `console.warn`). */
  readonly onEvent?: RegistryEventHandler;
}

/** The parsed common options of one adapter. */
export interface Common {
  /** Retry pacing. */
  readonly retry: BackoffSettings;
  /** Event sink. */
  readonly emit: (event: RegistryEvent) => void;
}

/** Checks the common options. */
export function commonOptions(options: AdapterOptions, adapter: string): Common {
  return {
    retry: backoffSettings(adapter, options.backoff, { initialMs: 500, maxMs: 10_000 }),
    emit: emitter(options.onEvent),
  };
}
