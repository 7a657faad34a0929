// The one bridge between Atreus's own view of descriptors, messages and middleware
// (internal/contract.ts: structural subsets, so public signatures carry no third-party types) and
// the generic types of Connect-ES, protobuf-es and Hono, which that view cannot name. Values are
// the same objects on both sides (generated code fits both); only the static types differ, so
// every cast the servers need is here, once, with the reason it is sound.
import {
  create,
  type DescMessage,
  type DescMethod,
  type DescService,
  type JsonValue,
  type JsonWriteOptions,
  toJson,
  toJsonString,
} from "@bufbuild/protobuf";
import type {
  ContextValues as ConnectContextValues,
  Interceptor,
  ServiceImpl,
  UnaryRequest,
  UnaryResponse,
} from "@connectrpc/connect";
import type { ExecutionContext, Hono } from "hono";
import type { Serialization } from "@connectrpc/connect/protocol";
import type {
  ContextValues,
  MessageDesc,
  MethodDesc,
  Middleware,
  ProtoMessage,
  ServiceDesc,
} from "../internal/contract.ts";

/** A registered service descriptor as Connect-ES takes it (the contract type is its subset). */
export function descService(service: ServiceDesc): DescService {
  return service as unknown as DescService;
}

/** Registered service descriptors as protobuf-es shows them (OpenAPI walks those). */
export function descServices(services: readonly ServiceDesc[]): readonly DescService[] {
  return services as unknown as DescService[];
}

/** An implementation object as Connect-ES's router takes it (it checks the methods itself). */
export function serviceImpl(impl: object): Partial<ServiceImpl<DescService>> {
  return impl as Partial<ServiceImpl<DescService>>;
}

/** `jsonTypes` (checked to be message descriptors) as protobuf-es's registry takes them. */
export function descMessages(types: readonly MessageDesc[]): DescMessage[] {
  return types as unknown as DescMessage[];
}

/**
 * Middleware as Connect-ES interceptors: both are `next => req => res` over the same request and
 * response objects; the contract types only leave out Connect-ES's type parameters.
 */
export function interceptorsOf(middleware: readonly Middleware[]): Interceptor[] {
  return middleware as unknown as Interceptor[];
}

/** A call's context values as Connect-ES's handler context takes them (same object). */
export function connectValues(values: ContextValues): ConnectContextValues {
  return values as never;
}

/** A method descriptor as the middleware contract shows it. */
export function contractMethod(method: DescMethod): MethodDesc {
  return method as never;
}

/** A service descriptor as the middleware contract shows it. */
export function contractService(service: DescService): ServiceDesc {
  return service as never;
}

/** Service descriptors as the middleware contract shows them (OpenAPI takes those). */
export function contractServices(services: readonly DescService[]): readonly ServiceDesc[] {
  return services as never;
}

/** The message an implementation returned (a message or its init object) as `output`. */
export function messageOf(output: DescMessage, result: unknown): ProtoMessage {
  return create(output, result as never) as ProtoMessage;
}

/** Serializes a message of the serializer's type (the plan pairs them by method). */
export function serializeWith<T>(serializer: Serialization<T>, message: ProtoMessage): Uint8Array {
  return serializer.serialize(message as never);
}

/** A message of type `desc` in JSON text. */
export function jsonStringOf(
  desc: DescMessage,
  message: ProtoMessage,
  options: Partial<JsonWriteOptions>,
): string {
  return toJsonString(desc, message as never, options);
}

/** A message of type `desc` as a JSON value. */
export function jsonValueOf(
  desc: DescMessage,
  message: ProtoMessage,
  options: Partial<JsonWriteOptions>,
): JsonValue {
  return toJson(desc, message as never, options);
}

/**
 * The app an HTTP server mounts its routes on (the user's own, or a new one). A server that
 * takes any Hono app cannot name its type parameters (env, schema, base path); it uses the base
 * type.
 */
export function asHono(app: object): Hono {
  return app as unknown as Hono;
}

/** The server's app as the user's type `A` (it is the app they passed, or a plain `Hono`). */
export function userApp<A>(hono: Hono): A {
  return hono as unknown as A;
}

/** The execution context a Workers runtime passed to `fetch` (opaque to the server). */
export function executionContextOf(ctx: unknown): ExecutionContext | undefined {
  return ctx as never;
}

/**
 * Connect-ES interceptors composed once around a client's unary step (Connect-ES composes them per
 * call). An interceptor takes and returns Connect-ES's any-request function, of which the unary
 * step is one case; the chain passes a call's request through unchanged, so its message types
 * hold at the ends although Connect-ES erases them in between.
 */
export function unaryChainOf(
  interceptors: readonly Interceptor[],
  last: (req: UnaryRequest) => Promise<UnaryResponse>,
): <I extends DescMessage, O extends DescMessage>(
  req: UnaryRequest<I, O>,
) => Promise<UnaryResponse<I, O>> {
  const chain = interceptors.reduceRight<(req: UnaryRequest) => Promise<UnaryResponse>>(
    (next, interceptor) => interceptor(next as never) as never,
    last,
  );
  return chain as never;
}
