// The source location that called into the logger, read from a stack trace. Frames of log/
// itself and of the shared context module are skipped whatever the wrapping (helper, filter,
// with, withContext), so the default needs no depth counting as Kratos's Caller(depth) does.

// Bundled for Workers, import.meta.url is not a URL; callers are then reported without skipping
// by directory (only runtime frames are skipped).
const ownDir = resolve("./") ?? "\0";
const contextModule = resolve("../internal/context.ts") ?? "\0";
// Runtime-internal frames (AsyncLocalStorage.run and the like).
const runtimeFrame = /^(node:|ext:|internal\/|native\b|\[native code\]|<anonymous>)/;
const frameLocation = /([^\s(@]+):(\d+):\d+\)?$/;

/**
 * `dir/file.ts:line` of the first frame outside the logging code, after skipping `skip` more
 * frames (for callers that wrap the logger in helpers of their own); `""` if unknown.
 */
export function callSite(skip = 0): string {
  const holder = Error as { stackTraceLimit?: number };
  const limit = holder.stackTraceLimit;
  holder.stackTraceLimit = 64;
  const stack = new Error().stack ?? "";
  holder.stackTraceLimit = limit;
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
