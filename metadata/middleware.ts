// Kratos's metadata middleware with its exact propagation rules: the server captures every
// header with a server prefix (`x-md-`); the client sends its constants, every client-context
// key, and only the incoming keys with a client prefix (`x-md-global-`). So `x-md-local-*`
// stops after one hop and `x-md-global-*` crosses all of them — with every value of a key, on
// every protocol, for unary and streaming calls.
import { currentValues } from "../internal/context.ts";
import type { Middleware } from "../internal/contract.ts";
import { clientMetadataKey, serverMetadataKey } from "./context.ts";
import { appendHeaderValues, headerValues } from "./headers.ts";
import { lazyMetadata, Metadata } from "./metadata.ts";

/** Options of `server()` and `client()`. */
export interface MetadataOptions {
  /** Header prefixes to carry (server default `x-md-`, client default `x-md-global-`). */
  readonly prefixes?: readonly string[];
  /** Metadata always added (server: to what handlers see; client: to what is sent). */
  readonly constants?: Metadata | Readonly<Record<string, string | readonly string[]>>;
}

// The constants as entries, copied once: iterating a Metadata copies every entry, and this is
// read on every call.
function constantsOf(options: MetadataOptions): readonly (readonly [string, string[]])[] {
  const c = options.constants;
  return [...(c instanceof Metadata ? c : new Metadata(c))];
}

/** Server middleware: captures prefixed request headers into the server metadata. */
export function server(options: MetadataOptions = {}): Middleware {
  const prefixes = (options.prefixes ?? ["x-md-"]).map((p) => p.toLowerCase());
  const constants = constantsOf(options);
  // One fill for every call, handed the call's headers: no closure per call.
  const fill = (md: Metadata, header: Headers) => {
    header.forEach((_, key) => {
      if (prefixes.some((p) => key.startsWith(p))) md.set(key, ...headerValues(header, key));
    });
    for (const [k, v] of constants) md.set(k, ...v);
  };
  return (next) => (req) => {
    // Captured when first read: a walk over the headers (which also makes Node's lazy request
    // headers materialise) is wasted on the many calls that never look at metadata.
    req.contextValues.set(serverMetadataKey, lazyMetadata(fill, req.header));
    return next(req);
  };
}

/** Client middleware: sends constants, the client context, and globally-prefixed server keys. */
export function client(options: MetadataOptions = {}): Middleware {
  const prefixes = (options.prefixes ?? ["x-md-global-"]).map((p) => p.toLowerCase());
  const constants = constantsOf(options);
  return (next) => (req) => {
    const header = req.header;
    for (const [k, v] of constants) appendHeaderValues(header, k, v);
    const values = currentValues();
    const fromClient = values?.get(clientMetadataKey);
    if (fromClient) { for (const [k, v] of fromClient) appendHeaderValues(header, k, v); }
    const fromServer = values?.get(serverMetadataKey);
    if (fromServer) {
      for (const [k, v] of fromServer) {
        if (prefixes.some((p) => k.startsWith(p))) appendHeaderValues(header, k, v);
      }
    }
    return next(req);
  };
}
