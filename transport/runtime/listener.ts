// The contract between the HTTP server and a runtime's native listener.
import type { ResolvedHttp2Limits, ResolvedLimits } from "./limits.ts";

/** Fetch-style handler a listener feeds: `env` carries runtime bindings. */
export type FetchHandler = (request: Request, env?: unknown) => Response | Promise<Response>;

/** PEM-encoded certificate and key for TLS listeners, and the CA of client certificates. */
export interface TlsOptions {
  /** Certificate chain, PEM. */
  readonly cert: string;
  /** Private key, PEM. */
  readonly key: string;
  /**
   * CA certificate(s), PEM: when set, every client must present a certificate that chains to
   * one of them (mutual TLS); connections without one are refused during the handshake.
   */
  readonly ca?: string;
}

/** Options for binding a listener. */
export interface ListenOptions {
  /** Host to bind. */
  readonly hostname: string;
  /** Port to bind (0 for any). */
  readonly port: number;
  /** Serve HTTPS when set. */
  readonly tls?: TlsOptions;
  /** Limits on slow and oversized clients (Node's defaults when unset). */
  readonly limits?: ResolvedLimits;
  /** Limits of its HTTP/2 connections, where the runtime lets us set them. */
  readonly http2?: ResolvedHttp2Limits;
}

/** A bound listener. */
export interface Listener {
  /** The port actually bound. */
  readonly port: number;
  /** Which native server this is, for logs and docs. */
  readonly name: string;
  /**
   * Stops accepting connections and resolves when in-flight requests are done; when `force`
   * aborts, remaining connections are closed at once. `idle` resolves once the server's calls
   * ended, for a listener that must not close before (see deno.ts).
   */
  close(force: AbortSignal, idle?: Promise<void>): Promise<void>;
}

/** Binds a listener for `handler`; rejects with the bind error (e.g. address in use). */
export type ListenFn = (handler: FetchHandler, options: ListenOptions) => Promise<Listener>;

/** Resolves when `signal` aborts (immediately if it already has). */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener("abort", () => resolve(), { once: true })
  );
}

/** node:tls options that require and verify client certificates when `tls.ca` is set. */
export function clientAuth(
  tls: TlsOptions,
): { ca?: string; requestCert?: boolean; rejectUnauthorized?: boolean } {
  if (tls.ca === undefined) return {};
  return { ca: tls.ca, requestCert: true, rejectUnauthorized: true };
}
