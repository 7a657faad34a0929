// Option checking shared by the adapters, so a bad option fails at construction with a
// message naming the adapter and the option, and the default event reporting.
import { RegistryError } from "./errors.ts";
import type { RegistryEvent, RegistryEventHandler } from "./registry.ts";

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
