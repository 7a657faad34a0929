// The typed client, spelled structurally. Connect-ES's `Client<S>` is built from protobuf-es
// types (`DescService`, `MessageShape`, `MessageInitShape`), which JSR's doc lint refuses in a
// public signature. These aliases read the same information from the generated descriptors —
// the method kinds, and the message shapes protoc-gen-es brands its descriptors with — so
// `ServiceClient<typeof Greeter>` is the very type `Client<typeof Greeter>` is
// (tests/client/types_test.ts checks both directions).
import type { ContextValues, ProtoMessage } from "../../internal/contract.ts";

/** Options of one call; the same shape as Connect-ES's `CallOptions`. */
export interface CallOptions {
  /** Deadline of this call in ms (overrides the client's `timeout`; `0` or less: none). */
  timeoutMs?: number;
  /** Extra request headers. */
  headers?: HeadersInit;
  /** Cancels the call. */
  signal?: AbortSignal;
  /** Receives the response headers. */
  onHeader?(headers: Headers): void;
  /** Receives the response trailers. */
  onTrailer?(trailers: Headers): void;
  /** Request-scoped values the client middleware sees as `req.contextValues`. */
  contextValues?: ContextValues;
}

/**
 * The message type a protoc-gen-es message descriptor stands for (`HelloReply` for
 * `HelloReplySchema`); a descriptor without generated types gives `ProtoMessage`.
 */
export type MessageOf<D> = D extends { readonly $codegenv2: { a: infer M } } ? M
  : D extends { readonly $codegenv1: { a: infer M } } ? M
  : ProtoMessage;

/** What a request may be given as: the message, or any subset of its fields (as `create()`). */
export type MessageInit<M> =
  | M
  | {
    [K in keyof M as K extends "$unknown" ? never : K]?: K extends "$typeName" ? never
      : FieldInit<M[K]>;
  };

/** A field's init type: nested messages, message lists, maps and oneof cases accept inits too. */
export type FieldInit<F> = F extends Date | Uint8Array | bigint | boolean | string | number ? F
  : F extends Array<infer U> ? Array<FieldInit<U>>
  : F extends ReadonlyArray<infer U> ? ReadonlyArray<FieldInit<U>>
  : F extends ProtoMessage ? MessageInit<F>
  : F extends { case: infer C extends string; value: infer V extends ProtoMessage }
    ? { case: C; value: MessageInit<V> }
  : F extends { case: string | undefined; value?: unknown } ? F
  : F extends { [key: string | number]: infer V extends ProtoMessage }
    ? { [key: string | number]: MessageInit<V> }
  : F;

/** What a method (a protoc-gen-es method descriptor) accepts as a request. */
export type RequestOf<D> = D extends { readonly input: infer I } ? MessageInit<MessageOf<I>>
  : never;
/** The response message type of a method descriptor. */
export type ResponseOf<D> = D extends { readonly output: infer O } ? MessageOf<O> : never;

/** The client function of one method descriptor, by its streaming kind. */
export type MethodClient<D> = D extends { readonly methodKind: "unary" }
  ? (request: RequestOf<D>, options?: CallOptions) => Promise<ResponseOf<D>>
  : D extends { readonly methodKind: "server_streaming" }
    ? (request: RequestOf<D>, options?: CallOptions) => AsyncIterable<ResponseOf<D>>
  : D extends { readonly methodKind: "client_streaming" }
    ? (request: AsyncIterable<RequestOf<D>>, options?: CallOptions) => Promise<ResponseOf<D>>
  : D extends { readonly methodKind: "bidi_streaming" }
    ? (request: AsyncIterable<RequestOf<D>>, options?: CallOptions) => AsyncIterable<ResponseOf<D>>
  : never;

/**
 * A typed client of service `S` (a protoc-gen-es service descriptor such as `Greeter`): one
 * function per RPC, named as in TypeScript (`sayHello`). Identical to Connect-ES's `Client<S>`.
 */
export type ServiceClient<S> = S extends { readonly method: infer M }
  ? { [K in keyof M]: MethodClient<M[K]> }
  : never;

/** What `createClient` adds to the RPC functions. */
export interface ClientHandle {
  /**
   * Stops discovery and closes pooled connections; calls made afterwards fail with Canceled.
   * (On a service with an RPC named `close`, the RPC wins: use `Symbol.asyncDispose`.)
   */
  close(): Promise<void>;
  /** The same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** The client `createClient` returns: the typed RPC functions plus `close()`. */
export type Client<S> = ServiceClient<S> & Omit<ClientHandle, keyof ServiceClient<S>>;
