// What the console's server and its page say to each other: the events of `/api/events` (SSE)
// and the bodies of the JSON API. Types only, shared by both sides, so they cannot drift.

/** One instance as the registry holds it. */
export interface InstanceView {
  /** Instance id. */
  readonly id: string;
  /** Service name. */
  readonly name: string;
  /** Version. */
  readonly version: string;
  /** Metadata, as registered (shown as text, never as markup). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Endpoint URLs. */
  readonly endpoints: readonly string[];
}

/** A serving status from grpc.health.v1 or /readyz, or what stopped the console from knowing. */
export type HealthStatusName =
  | "SERVING"
  | "NOT_SERVING"
  | "SERVICE_UNKNOWN"
  | "UNKNOWN"
  | "UNREACHABLE"
  | "CHECKING";

/** The health of one instance. */
export interface HealthView {
  /** Current status. */
  readonly status: HealthStatusName;
  /** How it is learnt: a grpc.health.v1 Watch stream, polling /readyz, or not at all. */
  readonly via: "grpc" | "readyz" | "none";
  /** The endpoint asked. */
  readonly endpoint?: string;
  /** Why the status is not known (a refused connection, an unimplemented service). */
  readonly error?: string;
  /** When the status last changed (ms since the epoch). */
  readonly since: number;
}

/** The numbers of one operation in one scrape interval. */
export interface OperationPoint {
  /** Requests per second. */
  readonly rps: number;
  /** Share of the requests that failed, 0…1. */
  readonly errorRate: number;
  /** Median latency in ms (undefined without observations in the interval). */
  readonly p50?: number;
  /** 99th percentile latency in ms. */
  readonly p99?: number;
}

/** One scrape of an instance's /metrics, reduced to rates over the interval before it. */
export interface MetricsPoint {
  /** Scrape time (ms since the epoch). */
  readonly t: number;
  /** By operation (`/pkg.Service/Method`, or `METHOD /path` for plain HTTP series). */
  readonly ops: Readonly<Record<string, OperationPoint>>;
}

/** The metrics of one instance. */
export interface MetricsView {
  /** `ok` while scrapes succeed; `absent` when the instance publishes no /metrics. */
  readonly state: "ok" | "absent" | "error" | "pending";
  /** The URL scraped. */
  readonly url?: string;
  /** Why the last scrape failed. */
  readonly error?: string;
  /** Which naming the instance uses (`otel`: rpc_server_*; `kratos`: server_requests_*). */
  readonly naming?: string;
  /** Recent points, oldest first. */
  readonly points: readonly MetricsPoint[];
}

/** What the page needs to know about the console itself. */
export interface ConsoleInfo {
  /** Atreus version. */
  readonly version: string;
  /** Where services come from, for display (`etcd://127.0.0.1:2379`, `fixed endpoints`). */
  readonly source: string;
  /** Whether `/api/call` is enabled (`--allow-calls`). */
  readonly allowCalls: boolean;
}

/** The state of the registry connection. */
export interface RegistryState {
  /** Whether the last listing worked. */
  readonly ok: boolean;
  /** Why it did not. */
  readonly error?: string;
}

/** The whole state, sent first on every `/api/events` stream. */
export interface Snapshot {
  /** The console. */
  readonly info: ConsoleInfo;
  /** The registry connection. */
  readonly registry: RegistryState;
  /** Every known service with its instances. */
  readonly services: readonly { readonly name: string; readonly instances: InstanceView[] }[];
  /** Health by instance key (`service/id`). */
  readonly health: Readonly<Record<string, HealthView>>;
  /** Metrics by instance key. */
  readonly metrics: Readonly<Record<string, MetricsView>>;
}

/** The events of `/api/events`, by SSE event name. */
export interface ConsoleEvents {
  /** The full state (first event, and after the server restarted a stream). */
  snapshot: Snapshot;
  /** A service's instance list changed (the full new list). */
  instances: { readonly service: string; readonly instances: InstanceView[] };
  /** A service left the registry. */
  removed: { readonly service: string };
  /** An instance's health changed. */
  health: { readonly key: string; readonly health: HealthView };
  /** An instance's metrics state changed or got a point (`point` is the new one, if any). */
  metrics: {
    readonly key: string;
    readonly state: MetricsView["state"];
    readonly url?: string;
    readonly error?: string;
    readonly naming?: string;
    readonly point?: MetricsPoint;
  };
  /** The registry connection changed. */
  registry: RegistryState;
}

/** The key of an instance in health and metrics maps. */
export function instanceKey(service: string, id: string): string {
  return `${service}/${id}`;
}

/** A field of a message, as the API view shows it. */
export interface FieldView {
  /** Proto name. */
  readonly name: string;
  /** JSON name (what the JSON editor uses). */
  readonly jsonName: string;
  /** Field number. */
  readonly number: number;
  /** `scalar`, `enum`, `message`, `list` or `map`. */
  readonly kind: "scalar" | "enum" | "message" | "list" | "map";
  /** The type as written in a proto file: `string`, `helloworld.v1.Kind`, `map<string, int32>`. */
  readonly type: string;
  /** For message and enum types (and lists/maps of them): the full type name. */
  readonly typeName?: string;
  /** The oneof it belongs to. */
  readonly oneof?: string;
  /** `optional` presence (proto3 optional or proto2 optional/required). */
  readonly label?: "optional" | "required" | "repeated";
  /** Leading and trailing comments, where the descriptor has source info. */
  readonly comment?: string;
  /** Whether it is deprecated. */
  readonly deprecated?: boolean;
}

/** A message type. */
export interface MessageView {
  /** Full name. */
  readonly typeName: string;
  /** Fields in declaration order. */
  readonly fields: readonly FieldView[];
  /** Comments. */
  readonly comment?: string;
  /** Whether it is a map entry or a well-known type shown by its JSON form. */
  readonly wkt?: boolean;
}

/** An enum type. */
export interface EnumView {
  /** Full name. */
  readonly typeName: string;
  /** Values. */
  readonly values: readonly { name: string; number: number; comment?: string }[];
  /** Comments. */
  readonly comment?: string;
}

/** A method. */
export interface MethodView {
  /** Method name. */
  readonly name: string;
  /** `/pkg.Service/Method`. */
  readonly path: string;
  /** `unary`, `server_streaming`, `client_streaming` or `bidi_streaming`. */
  readonly kind: "unary" | "server_streaming" | "client_streaming" | "bidi_streaming";
  /** Request type name. */
  readonly input: string;
  /** Response type name. */
  readonly output: string;
  /** `NO_SIDE_EFFECTS`, `IDEMPOTENT` or undefined. */
  readonly idempotency?: string;
  /** Comments. */
  readonly comment?: string;
  /** A JSON request with every field at a sample value, for the editor. */
  readonly template: string;
}

/** A service as reflection describes it. */
export interface ServiceView {
  /** Full name. */
  readonly typeName: string;
  /** Package. */
  readonly package: string;
  /** The file declaring it. */
  readonly file: string;
  /** Methods. */
  readonly methods: readonly MethodView[];
  /** Comments. */
  readonly comment?: string;
}

/** `GET /api/describe?service=…&instance=…`: what an instance's reflection told. */
export interface DescribeResult {
  /** The instance asked. */
  readonly instance: string;
  /** The endpoint it was asked on. */
  readonly endpoint: string;
  /** Reflection version used (`v1` or `v1alpha`). */
  readonly reflection: string;
  /** Packages with their services, sorted. */
  readonly packages: readonly { readonly name: string; readonly services: ServiceView[] }[];
  /** Every message type reachable from the services' methods. */
  readonly messages: Readonly<Record<string, MessageView>>;
  /** Every enum type reachable from them. */
  readonly enums: Readonly<Record<string, EnumView>>;
}

/** `POST /api/call`: one call to try. */
export interface CallRequestBody {
  /** Service name in the registry. */
  readonly service: string;
  /** Instance id. */
  readonly instance: string;
  /** Endpoint URL of that instance to call. */
  readonly endpoint: string;
  /** `grpc`, `connect` or `grpc-web`. */
  readonly protocol: "grpc" | "connect" | "grpc-web";
  /** `/pkg.Service/Method`. */
  readonly method: string;
  /** The request as JSON text (an array of requests for client and bidi streams). */
  readonly body: string;
  /** Request metadata, in order (repeated keys allowed). */
  readonly metadata: readonly (readonly [string, string])[];
  /** Deadline in ms. */
  readonly timeoutMs: number;
}

/** One line of the `/api/call` answer (NDJSON): headers, each message, then the end. */
export type CallEvent =
  | { readonly type: "headers"; readonly headers: readonly (readonly [string, string])[] }
  | { readonly type: "message"; readonly json: unknown; readonly atMs: number }
  | {
    readonly type: "end";
    /** gRPC code name, `OK` on success. */
    readonly code: string;
    /** The Kratos reason (google.rpc.ErrorInfo), if any. */
    readonly reason?: string;
    /** The error message. */
    readonly message?: string;
    /** Error details as JSON, where their types are known. */
    readonly details?: readonly unknown[];
    /** Response trailers (and, on error, the error metadata). */
    readonly trailers: readonly (readonly [string, string])[];
    /** Total latency in ms. */
    readonly latencyMs: number;
    /** Messages received. */
    readonly messages: number;
  };
