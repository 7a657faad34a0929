// What the remote sources (etcd, Consul, Nacos) share on top of the backend clients: their
// failures are `source` ConfigErrors naming the source.
import type { ErrorFactory } from "../internal/http.ts";
import { ConfigError } from "./errors.ts";

/** The error factory of a remote source's backend client. */
export function sourceErrors(source: string): ErrorFactory {
  return (_kind, message, { cause }) => new ConfigError("source", message, { source, cause });
}
