// Deterministic clocks and randomness for balancer tests, and a quick node factory.
import type { ServiceInstance } from "../../registry/mod.ts";
import { createNode, type Node } from "../../selector/mod.ts";

/** A seeded PRNG (mulberry32) in [0, 1). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A clock that only moves when told. */
export function manualClock(start = 0): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/** An instance with one grpc endpoint on `port`. */
export function instance(
  id: string,
  port: number,
  extra: Partial<ServiceInstance> = {},
): ServiceInstance {
  return {
    id,
    name: "svc",
    version: "v1",
    metadata: {},
    endpoints: [`grpc://10.0.0.1:${port}`],
    ...extra,
  };
}

/** A node for `instance(id, port, extra)`. */
export function node(id: string, port: number, extra: Partial<ServiceInstance> = {}): Node {
  const i = instance(id, port, extra);
  return createNode(i, i.endpoints[0]);
}
