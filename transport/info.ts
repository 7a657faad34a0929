// Per-request transport information, carried in the request-scoped context like Kratos's
// transport.FromServerContext. Servers create it; handlers and middleware read it.
import { createContextKey, getValue, newValues } from "../internal/context.ts";
import type { ContextKey, ContextValues, TransportKind } from "./types.ts";
import { type AppInfo, appInfoKey as sharedAppInfoKey } from "../internal/appinfo.ts";

export type { AppInfo };

/** What a server knows about the call it is serving. */
export interface TransportInfo {
  /** How the call arrived. */
  readonly kind: TransportKind;
  /** The server's endpoint, e.g. `grpc://10.0.0.5:9000` (empty on Workers). */
  readonly endpoint: string;
  /** The operation, `/pkg.Service/Method` (for plain HTTP routes: the one they opt into). */
  readonly operation: string;
  /** Incoming headers. */
  readonly requestHeader: Headers;
  /** Headers to send with the reply; set them here from handlers or middleware. */
  readonly replyHeader: Headers;
  /** The HTTP request, where the server has one as a Fetch `Request`. */
  readonly request?: Request;
  /** Runtime bindings of the request: Workers `env`, or `{ incoming, outgoing }` on Node. */
  readonly env?: unknown;
  /** For REST calls, the `google.api.http` path template that matched (Kratos's PathTemplate). */
  readonly pathTemplate?: string;
}

/** Mutable reply-header slot: the server rebinds it to the real response headers once known. */
export interface MutableTransportInfo extends TransportInfo {
  /** Rebindable reply headers. */
  replyHeader: Headers;
}

/** Context key of the server-side transport info. */
export const serverTransportKey: ContextKey<MutableTransportInfo | undefined> = createContextKey<
  MutableTransportInfo | undefined
>(undefined, {
  description: "atreus server transport",
});

/** Context key of the application info (shared with log/, which must not import transport/). */
export const appInfoKey: ContextKey<AppInfo | undefined> = sharedAppInfoKey;

/** The request-scoped values of a server call: its transport info and the app's info. */
export function serverCallValues(
  info: MutableTransportInfo,
  app: AppInfo | undefined,
): ContextValues {
  const values = newValues();
  values.set(serverTransportKey, info);
  if (app) values.set(appInfoKey, app);
  return values;
}

/** The transport info of the call being served, or `undefined` outside a server call. */
export function fromServerContext(): TransportInfo | undefined {
  return getValue(serverTransportKey);
}

/** The transport info stored in a handler's context values (`HandlerContext.values`). */
export function fromHandlerContext(
  ctx: { readonly values: ContextValues },
): TransportInfo | undefined {
  return ctx.values.get(serverTransportKey);
}

/** The running application's info, from the request context. */
export function appInfo(): AppInfo | undefined {
  return getValue(appInfoKey);
}

/** Classifies an RPC request by its content type (Connect GET has none). */
export function kindOf(contentType: string | null): TransportKind {
  if (contentType === null) return "connect";
  const ct = contentType.trimStart().toLowerCase();
  if (ct.startsWith("application/grpc-web")) return "grpc-web";
  if (ct.startsWith("application/grpc")) return "grpc";
  return "connect";
}

/**
 * Moves headers a handler set through `info.replyHeader` onto `header`, the response's own,
 * which becomes the reply header from then on.
 */
export function adoptReplyHeader(info: MutableTransportInfo | undefined, header: Headers): void {
  if (info === undefined || info.replyHeader === header) return;
  info.replyHeader.forEach((value, key) => header.append(key, value));
  info.replyHeader = header;
}

/** The operation name `/pkg.Service/Method` of a method of a service. */
export { operationOf } from "../internal/operation.ts";
