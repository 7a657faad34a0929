// Per-request transport information, carried in the request-scoped context like Kratos's
// transport.FromServerContext. Servers create it; handlers read it here, middleware through
// internal/transport_info.ts.
import { getValue, newValues } from "../internal/context.ts";
import type { ContextKey, ContextValues } from "../internal/contract.ts";
import { type AppInfo, appInfoKey as sharedAppInfoKey } from "../internal/appinfo.ts";
import {
  type MutableTransportInfo,
  serverTransportKey,
  type TransportInfo,
} from "../internal/transport_info.ts";

export type { AppInfo };
export {
  kindOf,
  type MutableTransportInfo,
  serverTransportKey,
  type TransportInfo,
} from "../internal/transport_info.ts";

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
