// The service registry contracts (Kratos's registry.Registrar / Discovery / Watcher).

/** One running instance of a service, as stored in a registry (Kratos's JSON layout). */
export interface ServiceInstance {
  /** Unique instance id. */
  readonly id: string;
  /** Service name. */
  readonly name: string;
  /** Service version. */
  readonly version: string;
  /** Free-form metadata, e.g. `{ weight: "100" }`. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Endpoint URLs, e.g. `http://10.0.0.5:8000`, `grpc://10.0.0.5:9000`. */
  readonly endpoints: readonly string[];
}

/** Registers and deregisters instances. */
export interface Registrar {
  /** Registers (or re-registers) an instance. */
  register(instance: ServiceInstance, signal?: AbortSignal): Promise<void>;
  /** Removes an instance; removing an unknown instance is not an error. */
  deregister(instance: ServiceInstance, signal?: AbortSignal): Promise<void>;
}

/** Yields the full instance list of a service: first at once, then on every change. */
export interface Watcher {
  /** The current full list (possibly empty); blocks until it changes after the first call. */
  next(): Promise<ServiceInstance[]>;
  /** Stops watching; a pending `next()` rejects. */
  stop(): Promise<void>;
}

/** Looks up and watches services. */
export interface Discovery {
  /** The instances of `name` right now. */
  getService(name: string, signal?: AbortSignal): Promise<ServiceInstance[]>;
  /** Watches the instances of `name`. */
  watch(name: string, signal?: AbortSignal): Promise<Watcher>;
}

/** A registry backend that both registers and discovers, owning background work. */
export interface Registry extends Registrar, Discovery {
  /**
   * Stops every heartbeat and watcher without deregistering: registered instances then expire
   * by TTL, exactly as after a crash. Use `deregister` for a graceful exit.
   */
  close(): Promise<void>;
}

/**
 * Lists the services a registry holds, for tools that show a whole fleet (`atreus console`).
 * Every adapter of this package implements it beside `Registry`.
 */
export interface Catalog {
  /**
   * The names `watch()` accepts for every service the registry knows right now, sorted. A
   * service without instances may still be listed (Nacos keeps empty services).
   */
  services(signal?: AbortSignal): Promise<string[]>;
}

/** The `fetch` an adapter uses; inject one for TLS settings, auth, proxies or tests. */
export type FetchLike = (input: Request | URL | string, init?: RequestInit) => Promise<Response>;

/** Something that happened in an adapter's background work, for logs and metrics. */
export type RegistryEvent =
  | {
    /** A heartbeat failed or the registration vanished; the adapter is re-registering. */
    readonly type: "registration_lost";
    /** The affected instance. */
    readonly instance: ServiceInstance;
    /** Why. */
    readonly error: Error;
  }
  | {
    /** A re-registration attempt failed; another follows after `delayMs`. */
    readonly type: "registration_retry";
    /** The affected instance. */
    readonly instance: ServiceInstance;
    /** Why the attempt failed. */
    readonly error: Error;
    /** Delay before the next attempt. */
    readonly delayMs: number;
  }
  | {
    /** The instance is registered again after a loss. */
    readonly type: "registration_recovered";
    /** The affected instance. */
    readonly instance: ServiceInstance;
    /** Attempts it took. */
    readonly attempts: number;
  }
  | {
    /** A watcher lost its connection and retries; it keeps the last list meanwhile. */
    readonly type: "watch_retry";
    /** The watched service. */
    readonly service: string;
    /** Why. */
    readonly error: Error;
    /** Delay before the next attempt. */
    readonly delayMs: number;
  }
  | {
    /** A malformed record was skipped. */
    readonly type: "invalid_record";
    /** The service being listed. */
    readonly service: string;
    /** What is wrong with it. */
    readonly error: Error;
  };

/** Receives adapter events; the default writes failures to `console.warn`. */
export type RegistryEventHandler = (event: RegistryEvent) => void;
