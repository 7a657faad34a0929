// What both of the client's own unary paths (connect_unary.ts, grpc_unary.ts) need per method and
// per call in the same form: a method's serializers and URL, built on its first call and kept
// for the transport's life, and the timeout Connect-ES's transport would apply.
import type { DescMessage, DescMethodUnary } from "@bufbuild/protobuf";
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
