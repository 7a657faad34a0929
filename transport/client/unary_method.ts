// What both of the client's own unary paths (connect_unary.ts, grpc_unary.ts) need per method and
// per call in the same form: a method's serializers and URL, built on its first call and kept
// for the transport's life, and the timeout Connect-ES's transport would apply.
import type { DescMessage, DescMethodUnary, MessageShape } from "@bufbuild/protobuf";
import type { UnaryResponse } from "@connectrpc/connect";
import {
  type CommonTransportOptions,
  createMethodSerializationLookup,
  createMethodUrl,
} from "@connectrpc/connect/protocol";

/** A method's serializers, as Connect-ES builds them. */
export type Serialization = ReturnType<typeof createMethodSerializationLookup>;

/** A method's serializers and URL. */
export interface MethodParts {
  /** Its request and response serializers. */
  readonly serialization: Serialization;
  /** Its URL under the transport's base URL. */
  readonly url: string;
}

/** Per method, its serializers and URL, made once per transport on the method's first call. */
export function methodPartsOf(
  options: CommonTransportOptions,
): <I extends DescMessage, O extends DescMessage>(method: DescMethodUnary<I, O>) => MethodParts {
  const parts = new WeakMap<object, MethodParts>();
  return (method) => {
    let found = parts.get(method);
    if (found === undefined) {
      found = {
        serialization: createMethodSerializationLookup(
          method,
          options.binaryOptions,
          options.jsonOptions,
          options,
        ),
        url: createMethodUrl(options.baseUrl, method),
      };
      parts.set(method, found);
    }
    return found;
  };
}

/** The timeout of a call: its own (0 or less is none), else the transport's default. */
export function callTimeoutMs(
  timeoutMs: number | undefined,
  defaultMs: number | undefined,
): number | undefined {
  if (timeoutMs === undefined) return defaultMs;
  return timeoutMs > 0 ? timeoutMs : undefined;
}

/**
 * A unary call's signal, with a way to hear of its abort without an event listener (adding and
 * removing one per call is not free: on Bun it costs microseconds). Whoever aborts `signal`
 * calls `onAbort` right after.
 */
export interface CallAbort {
  /** The call's signal. */
  readonly signal: AbortSignal;
  /** Set by the node call while it waits on something the abort must end. */
  onAbort: ((reason: unknown) => void) | undefined;
}

/**
 * A unary call to one node as the client makes it: `timeoutMs` is only written as the
 * protocol's timeout header (the call's signal already ends the call at its deadline), and
 * `header` is the caller's; `lowercase` says it is a record of lowercase names, each once, with
 * values Headers accepted (what Headers' forEach gives), so it need not go through Headers again.
 */
export type NodeUnary = <I extends DescMessage, O extends DescMessage>(
  method: DescMethodUnary<I, O>,
  call: CallAbort,
  timeoutMs: number | undefined,
  header: HeadersInit | undefined,
  message: MessageShape<I>,
  lowercase?: boolean,
) => Promise<UnaryResponse<I, O>>;
