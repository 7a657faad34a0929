// The middleware contract (Kratos's middleware.Handler and Middleware): what a call passing
// through middleware looks like, and Atreus's public view of the protobuf-es descriptors it
// carries. transport/ builds calls of this shape and middleware/ (and metadata/) wraps them;
// both import it from here, so middleware never depends on transport.
// These are structural subsets of the protobuf-es / Connect-ES types, declared here so public
// signatures do not leak third-party types; values from generated code fit them as they are.

/** How a call reached the server: native gRPC, gRPC-Web, Connect, or plain HTTP (REST, user routes). */
export type TransportKind = "grpc" | "grpc-web" | "connect" | "http";

/** The streaming shape of an RPC, as protobuf-es names it. */
export type MethodKind = "unary" | "server_streaming" | "client_streaming" | "bidi_streaming";

/** A protobuf message descriptor (a protoc-gen-es `…Schema` export). */
export interface MessageDesc {
  /** Always `"message"`. */
  readonly kind: "message";
  /** Fully qualified name, e.g. `helloworld.v1.HelloRequest`. */
  readonly typeName: string;
}

/** A protobuf RPC descriptor. */
export interface MethodDesc {
  /** Always `"rpc"`. */
  readonly kind: "rpc";
  /** Name as in the proto file, e.g. `SayHello`. */
  readonly name: string;
  /** Name as used in TypeScript, e.g. `sayHello`. */
  readonly localName: string;
  /** Unary or one of the streaming kinds. */
  readonly methodKind: MethodKind;
  /** Request message descriptor. */
  readonly input: MessageDesc;
  /** Response message descriptor. */
  readonly output: MessageDesc;
  /** The service declaring this method. */
  readonly parent: ServiceDesc;
  /** `idempotency_level` option: 0 unknown, 1 no side effects, 2 idempotent. */
  readonly idempotency: number;
}

/** A protobuf service descriptor (a protoc-gen-es `GenService` export such as `Greeter`). */
export interface ServiceDesc {
  /** Always `"service"`. */
  readonly kind: "service";
  /** Fully qualified name, e.g. `helloworld.v1.Greeter`. */
  readonly typeName: string;
  /** Short name, e.g. `Greeter`. */
  readonly name: string;
  /** The RPCs, in declaration order. */
  readonly methods: readonly MethodDesc[];
}

/** Any protobuf-es message: a plain object tagged with its type name. */
export interface ProtoMessage {
  /** Fully qualified message type name. */
  readonly $typeName: string;
}

/** A typed key into request-scoped values (same shape as Connect-ES's `ContextKey`). */
export interface ContextKey<T> {
  /** Unique identity of the key. */
  id: symbol;
  /** Value returned when the key is unset. */
  defaultValue: T;
}

/** Request-scoped values (same shape as Connect-ES's `ContextValues`). */
export interface ContextValues {
  /** Reads a value, or the key's default. */
  get<T>(key: ContextKey<T>): T;
  /** Sets a value. */
  set<T>(key: ContextKey<T>, value: T): this;
  /** Removes a value. */
  delete(key: ContextKey<unknown>): this;
}

/** Fields every request passing through middleware carries. */
export interface CallRequestCommon {
  /** The RPC being called. */
  readonly method: MethodDesc;
  /** The service of the RPC. */
  readonly service: ServiceDesc;
  /** HTTP verb of the request (`POST`, or `GET` for Connect GET). */
  readonly requestMethod: string;
  /** Full request URL. */
  readonly url: string;
  /** Aborted on deadline, client cancel or server shutdown. */
  readonly signal: AbortSignal;
  /** Request headers (metadata). */
  readonly header: Headers;
  /** Request-scoped values; the same object as `HandlerContext.values`. */
  readonly contextValues: ContextValues;
}

/** A unary request: one message. */
export interface UnaryCallRequest extends CallRequestCommon {
  /** Discriminator. */
  readonly stream: false;
  /** The request message. */
  readonly message: ProtoMessage;
}

/** A streaming request: messages as an async iterable (one for server streaming). */
export interface StreamCallRequest extends CallRequestCommon {
  /** Discriminator. */
  readonly stream: true;
  /** The request messages. */
  readonly message: AsyncIterable<ProtoMessage>;
}

/** What middleware receives: a unary or a streaming request. */
export type CallRequest = UnaryCallRequest | StreamCallRequest;

/** Fields every response passing through middleware carries. */
export interface CallResponseCommon {
  /** The RPC that answered. */
  readonly method: MethodDesc;
  /** The service of the RPC. */
  readonly service: ServiceDesc;
  /** Response headers. */
  readonly header: Headers;
  /** Response trailers (for streams, complete only after the last message). */
  readonly trailer: Headers;
}

/** A unary response: one message. */
export interface UnaryCallResponse extends CallResponseCommon {
  /** Discriminator. */
  readonly stream: false;
  /** The response message. */
  readonly message: ProtoMessage;
}

/** A streaming response: messages as an async iterable. */
export interface StreamCallResponse extends CallResponseCommon {
  /** Discriminator. */
  readonly stream: true;
  /** The response messages. */
  readonly message: AsyncIterable<ProtoMessage>;
}

/** What middleware returns: a unary or a streaming response. */
export type CallResponse = UnaryCallResponse | StreamCallResponse;

/** The next step of a middleware chain: calls the RPC (or the next middleware). */
export type Next = (req: CallRequest) => Promise<CallResponse>;

/**
 * Middleware in Connect-ES's interceptor shape (`next => req => …`), usable on servers and
 * clients; it wraps unary and streaming calls as a whole.
 */
export type Middleware = (next: Next) => Next;
