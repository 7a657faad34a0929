// Which JavaScript runtime we are on: transport/runtime picks its listener by it, log its batching.

/** A runtime Atreus can serve on. */
export type RuntimeName = "deno" | "bun" | "node" | "workerd" | "unknown";

/** Detects the current runtime. */
export function detectRuntime(): RuntimeName {
  const g = globalThis as Record<string, unknown>;
  if (typeof g.Deno === "object" && g.Deno !== null) return "deno";
  if (typeof g.Bun === "object" && g.Bun !== null) return "bun";
  const nav = g.navigator as { userAgent?: string } | undefined;
  if (nav?.userAgent === "Cloudflare-Workers") return "workerd";
  const proc = g.process as { versions?: { node?: string } } | undefined;
  if (proc?.versions?.node !== undefined) return "node";
  return "unknown";
}
