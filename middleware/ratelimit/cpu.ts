// The CPU reading the BBR limiter compares with its threshold: process CPU time per wall time,
// in per-mille of `cores`, smoothed as aegis does (a sample every 500 ms, EWMA decay 0.95).
// Instead of a background ticker, a reading older than the interval is refreshed when asked,
// with the decay applied once per interval that passed: the same curve, no timer to keep a
// process alive or to leak from a test, and it works where timers outside a request do not.
import { InvalidOptionError, positive } from "../../internal/options.ts";

/** CPU time used by the process so far, in µs (the shape of `process.cpuUsage()`). */
export interface CpuUsage {
  /** User time, µs. */
  readonly user: number;
  /** System time, µs. */
  readonly system: number;
}

/** Options of `processCpuSampler`. */
export interface CpuSamplerOptions {
  /** Least time between samples, in ms (default 500). */
  readonly intervalMs?: number;
  /** EWMA weight of the previous value per interval (default 0.95). */
  readonly decay?: number;
  /**
   * Cores that count as 100 % (default 1: JavaScript runs a server's requests on one thread,
   * so one busy core is a saturated server, whatever the machine has).
   */
  readonly cores?: number;
  /** Reads the process's CPU time (default `process.cpuUsage`). */
  readonly usage?: () => CpuUsage;
  /** Clock in ms (default `performance.now`). */
  readonly now?: () => number;
}

/**
 * A CPU gauge in per-mille (0–1000) of `cores`, or `undefined` where the runtime cannot
 * report process CPU time (Cloudflare Workers).
 */
export function processCpuSampler(options: CpuSamplerOptions = {}): (() => number) | undefined {
  const interval = options.intervalMs ?? 500;
  const decay = options.decay ?? 0.95;
  const cores = options.cores ?? 1;
  positive("cpu sampler", "intervalMs", interval);
  if (!(decay >= 0 && decay < 1)) {
    throw new InvalidOptionError("cpu sampler", "decay", "in [0, 1)", decay);
  }
  positive("cpu sampler", "cores", cores);
  const read = options.usage ?? nativeUsage();
  if (read === undefined) return undefined;
  const now = options.now ?? (() => performance.now());
  let last = now();
  let lastUsed = total(read());
  let cpu = 0;
  return () => {
    const t = now();
    const elapsed = t - last;
    if (elapsed < interval) return cpu;
    const used = total(read());
    // µs of CPU per ms of wall time is per-mille of one core.
    const usage = Math.min(1000, Math.max(0, (used - lastUsed) / elapsed / cores));
    const d = decay ** Math.floor(elapsed / interval);
    cpu = cpu * d + usage * (1 - d);
    last = t;
    lastUsed = used;
    return cpu;
  };
}

function total(u: CpuUsage): number {
  return u.user + u.system;
}

function nativeUsage(): (() => CpuUsage) | undefined {
  // The global, read only when a sampler is made: importing node:process would load Deno's
  // process module for every server that imports the middleware, limiter or not.
  const process = (globalThis as { process?: { cpuUsage?: () => CpuUsage } }).process;
  const cpuUsage = process?.cpuUsage;
  if (typeof cpuUsage !== "function") return undefined;
  try {
    // Workers' node:process compat has the function but no CPU clock behind it.
    const u = cpuUsage.call(process);
    if (!(Number.isFinite(u?.user) && Number.isFinite(u?.system))) return undefined;
  } catch {
    return undefined;
  }
  return () => cpuUsage.call(process);
}

let shared: (() => number) | undefined | null = null;

/** The process-wide default sampler, shared by every limiter (created on first use). */
export function defaultCpuSampler(): (() => number) | undefined {
  if (shared === null) shared = processCpuSampler();
  return shared;
}
