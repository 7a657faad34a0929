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
