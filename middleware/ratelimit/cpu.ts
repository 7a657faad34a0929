// The CPU reading the BBR limiter compares with its threshold: process CPU time per wall time,
// in per-mille of `cores`, smoothed as aegis does (a sample every 500 ms, EWMA decay 0.95).
// The process-wide default samples on a background timer that never keeps the process alive
// (unref'd), so a call reads a number and no clock; `processCpuSampler` instead refreshes a
// reading older than the interval when asked, with the decay applied once per interval that
// passed: the same curve with no timer at all, for runtimes that cannot unref one.
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

// The sampler's options with their defaults, checked once; `undefined` read where the runtime
// cannot report process CPU time.
function settings(options: CpuSamplerOptions) {
  const interval = options.intervalMs ?? 500;
  const decay = options.decay ?? 0.95;
  const cores = options.cores ?? 1;
  positive("cpu sampler", "intervalMs", interval);
  if (!(decay >= 0 && decay < 1)) {
    throw new InvalidOptionError("cpu sampler", "decay", "in [0, 1)", decay);
  }
  positive("cpu sampler", "cores", cores);
  return { interval, decay, cores, read: options.usage ?? nativeUsage() };
}

/**
 * A CPU gauge in per-mille (0–1000) of `cores`, or `undefined` where the runtime cannot
 * report process CPU time (Cloudflare Workers).
 */
export function processCpuSampler(options: CpuSamplerOptions = {}): (() => number) | undefined {
  const { interval, decay, cores, read } = settings(options);
  if (read === undefined) return undefined;
  const now = options.now ?? (() => performance.now());
  const gauge = ewma(read, now, decay, cores);
  return () => {
    const t = now();
    const intervals = Math.floor((t - gauge.last) / interval);
    return intervals < 1 ? gauge.cpu : gauge.update(t, intervals);
  };
}

/**
 * `processCpuSampler()` on a background timer: each call of the gauge reads the last sample.
 * `undefined` where the runtime has no CPU time; `processCpuSampler()` where it has no way to
 * keep the timer from holding the process open.
 */
export function backgroundCpuSampler(
  options: Omit<CpuSamplerOptions, "now"> = {},
): (() => number) | undefined {
  const { interval, decay, cores, read } = settings(options);
  if (read === undefined) return undefined;
  const now = () => performance.now();
  const gauge = ewma(read, now, decay, cores);
  const timer = setInterval(() => {
    const t = now();
    // A timer may fire a little early or late: one tick is one interval of decay unless
    // whole intervals were missed (a blocked event loop).
    gauge.update(t, Math.max(1, Math.round((t - gauge.last) / interval)));
  }, interval);
  if (!unref(timer)) {
    clearInterval(timer);
    return processCpuSampler(options);
  }
  return () => gauge.cpu;
}

interface Ewma {
  /** The smoothed reading, per-mille. */
  cpu: number;
  /** When the last sample was taken. */
  last: number;
  /** Takes a sample at `t`, `intervals` intervals after the last; returns the new reading. */
  update(t: number, intervals: number): number;
}

function ewma(
  read: () => CpuUsage,
  now: () => number,
  decay: number,
  cores: number,
): Ewma {
  let lastUsed = total(read());
  const gauge: Ewma = {
    cpu: 0,
    last: now(),
    update(t, intervals) {
      const elapsed = t - gauge.last;
      const used = total(read());
      const spent = used - lastUsed;
      gauge.last = t;
      lastUsed = used;
      if (!(elapsed > 0)) return gauge.cpu;
      // µs of CPU per ms of wall time is per-mille of one core.
      const usage = Math.min(1000, Math.max(0, spent / elapsed / cores));
      const d = decay ** intervals;
      gauge.cpu = gauge.cpu * d + usage * (1 - d);
      return gauge.cpu;
    },
  };
  return gauge;
}

// Deno's timers are numbers unref'd through Deno.unrefTimer; Node's and Bun's are objects
// with unref().
function unref(timer: unknown): boolean {
  const deno = (globalThis as { Deno?: { unrefTimer?: (id: number) => void } }).Deno;
  if (typeof timer === "number" && typeof deno?.unrefTimer === "function") {
    deno.unrefTimer(timer);
    return true;
  }
  const t = timer as { unref?: () => unknown } | undefined;
  if (typeof t?.unref === "function") {
    t.unref();
    return true;
  }
  return false;
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
  if (shared === null) shared = backgroundCpuSampler();
  return shared;
}
