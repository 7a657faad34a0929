// The default server middleware measured by the bench (filled in as the core middleware lands).
import type { Middleware } from "../../transport/mod.ts";

/** Recovery + metadata + logging into a discarding sink, once those packages exist. */
export function defaultMiddleware(): Middleware[] {
  return [];
}
