// Plain HTTP routes that opt into the server's middleware chain under an operation name (what
// Kratos offers with ctx.Middleware, which its users keep asking to be easier): the route runs
// as a unary call of transport kind "http", so recovery, logging, auth, rate limits and
// metrics apply to it like to any RPC.
import { fromError, toJson } from "../../errors/mod.ts";
import { runWithValues } from "../../internal/context.ts";
import { type AppInfo, type MutableTransportInfo, serverCallValues } from "../info.ts";
import type {
  CallRequest,
  CallResponse,
  MethodDesc,
  Middleware,
  ProtoMessage,
  ServiceDesc,
  UnaryCallRequest,
} from "../../internal/contract.ts";

/** The message type name middleware sees for a plain HTTP route's request. */
export const HTTP_REQUEST_TYPE = "atreus.http.Request";
/** The message type name middleware sees for a plain HTTP route's response. */
export const HTTP_RESPONSE_TYPE = "atreus.http.Response";

// The messages middleware sees for a plain route: the request and its Hono context in, the
// handler's Response out, tagged with the type names above.
interface RouteRequestMessage<C> extends ProtoMessage {
  readonly request: Request;
  readonly context: C;
}
interface RouteResponseMessage extends ProtoMessage {
  readonly response: Response;
}

function isRouteRequest<C>(m: ProtoMessage): m is RouteRequestMessage<C> {
  return m.$typeName === HTTP_REQUEST_TYPE && "context" in m;
}

function isRouteResponse(m: ProtoMessage): m is RouteResponseMessage {
  return m.$typeName === HTTP_RESPONSE_TYPE && "response" in m;
}

/** What a route handler receives: at least Hono's `c.req.raw` and `c.env`. */
export interface RouteContext {
  /** Hono's request wrapper. */
  readonly req: { readonly raw: Request };
  /** Runtime bindings. */
  readonly env?: unknown;
}

/** Server state a wrapped route needs per call. */
export interface RouteHost {
  /** The server's endpoint. */
  endpoint(): string;
  /** The app the server runs in. */
  app(): AppInfo | undefined;
}

// A descriptor pair for an operation that has no proto behind it, so middleware written for RPCs
// (selectors, logging by service and method) works unchanged.
function describe(operation: string): { service: ServiceDesc; method: MethodDesc } {
  const m = /^\/([^/]+)\/([^/]+)$/.exec(operation);
  const typeName = m ? m[1] : operation;
  const name = m ? m[2] : operation;
  const service = {
    kind: "service",
    typeName,
    name: typeName.split(".").pop() ?? typeName,
    methods: [] as MethodDesc[],
  } as ServiceDesc & { methods: MethodDesc[] };
  const method: MethodDesc = {
    kind: "rpc",
    name,
    localName: name.charAt(0).toLowerCase() + name.slice(1),
    methodKind: "unary",
    input: { kind: "message", typeName: HTTP_REQUEST_TYPE },
    output: { kind: "message", typeName: HTTP_RESPONSE_TYPE },
    parent: service,
    idempotency: 0,
  };
  service.methods.push(method);
  return { service, method };
}

/** Wraps `fn` so each request runs through `middleware` as operation `operation`. */
export function wrapRoute<C extends RouteContext>(
  host: RouteHost,
  middleware: readonly Middleware[],
  operation: string,
  fn: (c: C) => Response | Promise<Response>,
): (c: C) => Promise<Response> {
  if (!operation.startsWith("/")) {
    throw new TypeError(`route operation "${operation}" must start with "/", e.g. /pkg.Svc/Method`);
  }
  const { service, method } = describe(operation);
  const final = async (req: CallRequest): Promise<CallResponse> => {
    if (req.stream || !isRouteRequest<C>(req.message)) {
      throw new TypeError(`${operation}: middleware replaced the route's request message`);
    }
    const response = await fn(req.message.context);
    const message: RouteResponseMessage = { $typeName: HTTP_RESPONSE_TYPE, response };
    return {
      stream: false,
      message,
      method,
      service,
      header: new Headers(),
      trailer: new Headers(),
    };
  };
  const invoke = middleware.reduceRight<(req: CallRequest) => Promise<CallResponse>>(
    (next, m) => m(next),
    final,
  );
  return async (c: C): Promise<Response> => {
    const request = c.req.raw;
    const info: MutableTransportInfo = {
      kind: "http",
      endpoint: host.endpoint(),
      operation,
      requestHeader: request.headers,
      replyHeader: new Headers(),
      request,
      env: c.env,
    };
    const values = serverCallValues(info, host.app());
    const message: RouteRequestMessage<C> = { $typeName: HTTP_REQUEST_TYPE, request, context: c };
    const req: UnaryCallRequest = {
      stream: false,
      message,
      method,
      service,
      requestMethod: request.method,
      url: request.url,
      // Not request.signal: on Deno.serve reading it warns, and it aborts after every
      // successful response (legacy behaviour). A plain route, like a unary call on the fast
      // path, is cut short by its deadline or the server's stop, not by its client leaving.
      signal: neverAborted,
      header: request.headers,
      contextValues: values,
    };
    try {
      const res = await runWithValues(values, () => invoke(req));
      if (res.stream || !isRouteResponse(res.message)) {
        throw new TypeError(`${operation}: middleware replaced the route's response message`);
      }
      const response = res.message.response;
      const extra = [...info.replyHeader, ...res.header];
      if (extra.length === 0) return response;
      // Headers set by middleware (or via TransportInfo.replyHeader) join the handler's response.
      const headers = new Headers(response.headers);
      for (const [k, v] of extra) headers.append(k, v);
      return new Response(response.body, {
        status: response.status,
        statusText: response.statusText,
        headers,
      });
    } catch (error) {
      const e = fromError(error);
      const headers = new Headers(info.replyHeader);
      headers.set("content-type", "application/json");
      return new Response(JSON.stringify(toJson(e)), { status: e.code, headers });
    }
  };
}

const neverAborted = new AbortController().signal;
