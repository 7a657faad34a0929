// Header conversions between node:http2 and the Fetch API, for the gRPC server and the fast
// path that writes to node:http2 streams directly.
import type * as http2 from "node:http2";
import { deferHeaders, DeferredHeaders } from "../fastpath/headers.ts";

/** Fetch `Headers` → a node:http2 header object (repeated values as arrays). */
export function toObject(headers: Headers): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  headers.forEach((value, key) => {
    out[key] = value;
  });
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) out["set-cookie"] = cookies;
  return out;
}

/**
 * A request's headers for its call: filled on first use where the runtime allows it (see
 * `DeferredHeaders`), else copied at once by `fetchHeaders`.
 */
export function requestHeaders(headers: http2.IncomingHttpHeaders): Headers {
  return deferHeaders ? new DeferredHeaders(headers) : fetchHeaders(headers);
}

/** node:http2's incoming headers as Fetch `Headers`, pseudo-headers left out. */
export function fetchHeaders(headers: http2.IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const key in headers) {
    if (key.charCodeAt(0) === 58) continue; // ":" pseudo-headers
    const value = headers[key];
    if (typeof value === "string") out.append(key, value);
    else if (Array.isArray(value)) { for (const v of value) out.append(key, v); }
  }
  return out;
}
