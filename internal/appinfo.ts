// The application's identity in the request context. It lives below transport/ so that log/ can
// read it without importing transport/, which itself logs through log/.
import { type ContextKey, createContextKey } from "./context.ts";

/** Identity of the running application (Kratos's `AppInfo`). */
export interface AppInfo {
  /** Instance id. */
  readonly id: string;
  /** Service name. */
  readonly name: string;
  /** Service version. */
  readonly version: string;
  /** Instance metadata. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Endpoints the instance serves, e.g. `["http://10.0.0.5:8000", "grpc://10.0.0.5:9000"]`. */
  readonly endpoints: readonly string[];
}

/** Context key of the application info. */
export const appInfoKey: ContextKey<AppInfo | undefined> = createContextKey<AppInfo | undefined>(
  undefined,
  { description: "atreus app info" },
);
