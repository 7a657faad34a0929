// Valuers for `with` prefixes: computed per record from the clock, the stack or the request
// context (trace ids set by the tracing middleware, app info set by the servers).
import { appInfoKey } from "../internal/appinfo.ts";
import { traceContextKey } from "../internal/trace.ts";
import { callSite } from "./caller.ts";
import { isGenerated, omitted, type Valuer } from "./logger.ts";

/** The time of each record, ISO 8601 in UTC by default (Kratos's `DefaultTimestamp`). */
export function timestamp(format?: (date: Date) => string): Valuer {
  if (format) return () => format(new Date());
  // Formatting a date costs more than the rest of a log line; under load many lines share a
  // millisecond, so the ISO text is reused until the clock moves, and within a minute only the
  // seconds and milliseconds are written after the minute's own text.
  let last = -1;
  let text = "";
  let minute = Number.NaN;
  let prefix = "";
  return () => {
    const now = Date.now();
    if (now !== last) {
      last = now;
      const m = Math.floor(now / 60_000);
      if (m === minute) {
        text = prefix + secondsText(now - m * 60_000);
      } else {
        text = new Date(now).toISOString();
        // `YYYY-MM-DDTHH:mm:` for four-digit years; other years always take the full path.
        minute = text.length === 24 ? m : Number.NaN;
        prefix = text.slice(0, 17);
      }
    }
    return text;
  };
}

const pad2 = (n: number) => (n < 10 ? "0" : "") + n;
const pad3 = (n: number) => (n < 10 ? "00" : n < 100 ? "0" : "") + n;

// `ss.mmmZ` of the milliseconds into a minute, as toISOString writes them.
function secondsText(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${pad2(s)}.${pad3(ms - s * 1000)}Z`;
}

/**
 * `dir/file.ts:line` of the code that logged (Kratos's `DefaultCaller`). Captured only for
 * records that pass filters; `skip` skips further frames when your own wrapper calls the logger.
 * Lines the logging middleware writes for each call carry no caller (it would always name the
 * middleware; `operation` names the handler). Each capture reads the stack, which costs about as
 * much as serving a small call: see the README before turning it on for hot paths.
 */
export function caller(skip = 0): Valuer {
  return () => isGenerated() ? omitted : callSite(skip);
}

/** The trace id of the current call, `""` outside a traced call. */
export function traceId(): Valuer {
  return (ctx) => ctx.value(traceContextKey)?.traceId ?? "";
}

/** The span id of the current call, `""` outside a traced call. */
export function spanId(): Valuer {
  return (ctx) => ctx.value(traceContextKey)?.spanId ?? "";
}

/** The app instance id, `""` outside a server call. */
export function serviceId(): Valuer {
  return (ctx) => ctx.value(appInfoKey)?.id ?? "";
}

/** The app name, `""` outside a server call. */
export function serviceName(): Valuer {
  return (ctx) => ctx.value(appInfoKey)?.name ?? "";
}

/** The app version, `""` outside a server call. */
export function serviceVersion(): Valuer {
  return (ctx) => ctx.value(appInfoKey)?.version ?? "";
}
