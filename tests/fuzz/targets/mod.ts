// Every fuzz target, by name, loaded on demand so one run imports only what it fuzzes.
import type { FuzzTarget } from "../target.ts";

type Loader = () => Promise<FuzzTarget<unknown>>;

/** Fuzz targets by name (each one's seed corpus is `tests/fuzz/corpus/<name>/`). */
export const TARGETS: Record<string, Loader> = {
  envelope: async () => (await import("./envelope.ts")).target as FuzzTarget<unknown>,
  binary: async () => (await import("./binary.ts")).target as FuzzTarget<unknown>,
  rpc: async () => (await import("./rpc.ts")).target as FuzzTarget<unknown>,
  placeholder: async () => (await import("./placeholder.ts")).target as FuzzTarget<unknown>,
  registry: async () => (await import("./registry.ts")).target as FuzzTarget<unknown>,
  rest: async () => (await import("./rest.ts")).target as FuzzTarget<unknown>,
};
