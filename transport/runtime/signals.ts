// Process signal subscription on Deno, Node and Bun (Workers have no process signals).
import { detectRuntime } from "./detect.ts";

/** Calls `handler` with the signal name on each listed signal; returns the unsubscribe. */
export function onSignals(
  signals: readonly string[],
  handler: (signal: string) => void,
): () => void {
  const runtime = detectRuntime();
  const g = globalThis as Record<string, unknown>;
  const undo: (() => void)[] = [];
  for (const signal of signals) {
    const fn = () => handler(signal);
    if (runtime === "deno") {
      const deno = g.Deno as typeof Deno;
      deno.addSignalListener(signal as Deno.Signal, fn);
      undo.push(() => deno.removeSignalListener(signal as Deno.Signal, fn));
    } else if (runtime === "node" || runtime === "bun") {
      const proc = g.process as {
        on(s: string, f: () => void): void;
        off(s: string, f: () => void): void;
      };
      proc.on(signal, fn);
      undo.push(() => proc.off(signal, fn));
    }
  }
  return () => undo.forEach((u) => u());
}
