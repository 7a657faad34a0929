// The source location that called into the logger, read from a stack trace. Frames of log/
// itself and of the shared context module are skipped whatever the wrapping (helper, filter,
// with, withContext), so the default needs no depth counting as Kratos's Caller(depth) does.
//
// A stack capture is the costliest thing a log line can do: it is taken only for records that
// are written, and where V8 hands out structured call sites (Deno, Node, workerd) those are read
// instead of the formatted text, with a small frame limit first — formatting every frame (and on
// Deno source-mapping it) is what makes `new Error().stack` slow.

// Bundled for Workers, import.meta.url is not a URL; callers are then reported without skipping
// by directory (only runtime frames are skipped).
const ownDir = /* @__PURE__ */ resolve("./") ?? "\0";
const contextModule = /* @__PURE__ */ resolve("../internal/context.ts") ?? "\0";
// Runtime-internal frames (AsyncLocalStorage.run and the like).
const runtimeFrame = /^(node:|ext:|internal\/|native\b|\[native code\]|<anonymous>)/;
const frameLocation = /([^\s(@]+):(\d+):\d+\)?$/;
// Frames of log/ between a valuer and the code that logged, in the deepest wrapping (helper →
// filter → with → writer); a capture this deep nearly always reaches the caller.
const shallowFrames = 16;
const deepFrames = 64;

interface CallSite {
  getFileName(): string | null | undefined;
  getLineNumber(): number | null;
}

interface StackApi {
  stackTraceLimit?: number;
  prepareStackTrace?: (error: Error, sites: CallSite[]) => unknown;
  captureStackTrace?: (target: object, ctor?: unknown) => void;
}

const api = Error as unknown as StackApi;
const keepSites = (_e: Error, sites: CallSite[]) => sites;

/**
 * `dir/file.ts:line` of the first frame outside the logging code, after skipping `skip` more
 * frames (for callers that wrap the logger in helpers of their own); `""` if unknown.
 */
export function callSite(skip = 0): string {
  if (structured) {
    const found = fromSites(skip, shallowFrames + skip) ?? fromSites(skip, deepFrames);
    if (found !== undefined) return found;
  }
  return fromText(skip);
}

// Whether this runtime's captureStackTrace honours prepareStackTrace with call sites that carry
// file names and lines (V8: Deno, Node, workerd). Bun's are incomplete; its text stacks are cheap.
const structured = /* @__PURE__ */ probeSites();

function probeSites(): boolean {
  try {
    const sites = captureSites(deepFrames, undefined);
    return sites !== undefined && sites.length > 0 && typeof sites[0].getFileName === "function" &&
      typeof sites[0].getFileName() === "string" && typeof sites[0].getLineNumber() === "number";
  } catch {
    return false;
  }
}

function captureSites(limit: number, below: unknown = callSite): CallSite[] | undefined {
  if (typeof api.captureStackTrace !== "function") return undefined;
  const previous = api.prepareStackTrace;
  const previousLimit = api.stackTraceLimit;
  const holder: { stack?: unknown } = {};
  try {
    api.prepareStackTrace = keepSites;
    api.stackTraceLimit = limit;
    api.captureStackTrace(holder, below);
    const sites = holder.stack;
    return Array.isArray(sites) ? sites as CallSite[] : undefined;
  } finally {
    api.prepareStackTrace = previous;
    api.stackTraceLimit = previousLimit;
  }
}

// `undefined` when the frames captured ran out before the caller (retried deeper).
function fromSites(skip: number, limit: number): string | undefined {
  const sites = captureSites(limit);
  if (sites === undefined) return undefined;
  let remaining = skip;
  for (const site of sites) {
    const name = site.getFileName();
    const line = site.getLineNumber();
    if (typeof name !== "string" || line === null) continue;
    const file = location(name);
    if (file.startsWith(ownDir) || file === contextModule || runtimeFrame.test(file)) continue;
    if (remaining-- > 0) continue;
    return `${shortPath(file)}:${line}`;
  }
  return sites.length < limit ? "" : undefined;
}

function fromText(skip: number): string {
  const limit = api.stackTraceLimit;
  api.stackTraceLimit = deepFrames;
  const stack = new Error().stack ?? "";
  api.stackTraceLimit = limit;
  let remaining = skip;
  for (const line of stack.split("\n")) {
    const m = frameLocation.exec(line.trim());
    if (m === null) continue;
    const file = location(m[1]);
    if (file.startsWith(ownDir) || file === contextModule || runtimeFrame.test(file)) continue;
    if (remaining-- > 0) continue;
    return `${shortPath(file)}:${m[2]}`;
  }
  return "";
}

function resolve(relative: string): string | undefined {
  try {
    return location(new URL(relative, import.meta.url).href);
  } catch {
    return undefined;
  }
}

function location(url: string): string {
  return url.startsWith("file://") ? decodeURIComponent(url.slice("file://".length)) : url;
}

// The file and its directory, as Kratos prints callers.
function shortPath(file: string): string {
  const parts = file.split(/[\\/]/);
  return parts.slice(-2).join("/");
}
