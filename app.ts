// The application lifecycle (Kratos's kratos.App): hooks, servers, registration, signals and a
// bounded graceful drain, with deregistration on every exit path.
import type { Registrar, ServiceInstance } from "./registry/mod.ts";
import { flush, helper, type Logger, setLogger, with as withKeyvals } from "./log/mod.ts";
import { type AppInfo, isEndpointer, reportsHealth, type Server } from "./transport/mod.ts";
import { detectRuntime, onSignals, serveDroppingUnreadBody } from "./transport/runtime/mod.ts";

/** What a lifecycle hook receives. */
export interface HookContext {
  /** The application. */
  readonly app: AppInfo;
  /** Aborts when the phase should give up. */
  readonly signal: AbortSignal;
}

/** A lifecycle hook. */
export type Hook = (ctx: HookContext) => void | Promise<void>;

/** Options of `App`. */
export interface AppOptions {
  /** Instance id (default: a random UUID). */
  readonly id?: string;
  /** Service name. */
  readonly name: string;
  /** Service version (default `""`). */
  readonly version?: string;
  /** Instance metadata, published with the registration. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Endpoints to publish instead of those the servers report. */
  readonly endpoints?: readonly (string | URL)[];
  /** Servers to run. */
  readonly servers?: readonly Server[];
  /** Where to register the instance. */
  readonly registrar?: Registrar;
  /** Bound on register and deregister, in ms (default 10 000). */
  readonly registrarTimeoutMs?: number;
  /** Bound on the graceful drain, in ms (default 30 000); calls still running are then cut. */
  readonly stopTimeoutMs?: number;
  /** Signals that stop the app (default SIGINT and SIGTERM); `false` installs none. */
  readonly signals?: readonly string[] | false;
  /** Run before the servers start; an error aborts `run()`. */
  readonly beforeStart?: Hook | readonly Hook[];
  /** Run after the servers started and the instance registered. */
  readonly afterStart?: Hook | readonly Hook[];
  /** Run first when stopping, before deregistration. */
  readonly beforeStop?: Hook | readonly Hook[];
  /** Run last, after the servers stopped. */
  readonly afterStop?: Hook | readonly Hook[];
  /**
   * Logger to install as the global logger, with `service.id`, `service.name` and
   * `service.version` added to every line (like Kratos's `kratos.Logger`).
   */
  readonly logger?: Logger;
}

/** The fetch entry point an app exposes on Workers. */
export interface WorkerHandler {
  /** Serves one request. */
  fetch(request: Request, env?: unknown, ctx?: unknown): Promise<Response>;
}

/** A server that can serve Fetch requests directly (the HTTP server). */
interface FetchServer {
  fetch(request: Request, env?: unknown, ctx?: unknown): Response | Promise<Response>;
  bindApp?(app: AppInfo): void;
}

type State = "new" | "starting" | "running" | "stopping" | "stopped";

/** An application: runs servers, registers itself, and stops gracefully. */
export class App implements AppInfo {
  /** Service name. */
  readonly name: string;
  /** Service version. */
  readonly version: string;
  /** Instance metadata. */
  readonly metadata: Readonly<Record<string, string>>;
  readonly #options: AppOptions;
  #endpoints: string[] = [];
  #state: State = "new";
  #stopRequested: () => void = () => {};
  readonly #stopped: Promise<void>;
  #markStopped: () => void = () => {};
  #force = new AbortController();
  #worker: Promise<void> | undefined;
  #id: string | undefined;

  /** Creates an app; nothing runs until `run()`. */
  constructor(options: AppOptions) {
    if (!options.name) throw new TypeError("App: name is required");
    this.#options = options;
    this.name = options.name;
    this.version = options.version ?? "";
    this.metadata = { ...options.metadata };
    this.#stopped = new Promise((resolve) => (this.#markStopped = resolve));
    if (options.logger) {
      setLogger(
        withKeyvals(
          options.logger,
          "service.id",
          () => this.id,
          "service.name",
          this.name,
          "service.version",
          this.version,
        ),
      );
    }
  }

  /** Instance id (a random UUID unless given; generated on first use, as Workers forbid
   * randomness at module scope). */
  get id(): string {
    return this.#id ??= this.#options.id ?? crypto.randomUUID();
  }

  /** Endpoints the instance serves (known once the servers started). */
  get endpoints(): readonly string[] {
    return this.#endpoints;
  }

  /** The registry record of this instance. */
  instance(): ServiceInstance {
    return {
      id: this.id,
      name: this.name,
      version: this.version,
      metadata: this.metadata,
      endpoints: this.#endpoints,
    };
  }

  /**
   * Starts everything and resolves once the app stopped (by signal or `stop()`); rejects with
   * the startup error, or an AggregateError of hook and stop errors.
   */
  async run(): Promise<void> {
    if (this.#state !== "new") throw new Error("App: run() can be called once");
    this.#state = "starting";
    const stopRequested = new Promise<void>((resolve) => (this.#stopRequested = resolve));
    const servers = [...(this.#options.servers ?? [])];
    const started: Server[] = [];
    try {
      await this.#hooks(this.#options.beforeStart, true);
      const results = await Promise.allSettled(
        servers.map(async (s) => {
          await s.start({ app: this, signal: this.#force.signal });
          started.push(s);
        }),
      );
      const failures = results.flatMap((r) => r.status === "rejected" ? [r.reason] : []);
      if (failures.length > 0) {
        throw failures.length === 1
          ? failures[0]
          : new AggregateError(failures, "App: servers failed to start");
      }
      this.#endpoints = this.#options.endpoints?.map((e) => String(e).replace(/\/$/, "")) ??
        servers.flatMap((s) => isEndpointer(s) ? [s.endpoint().href.replace(/\/$/, "")] : []);
      if (this.#options.registrar) {
        await this.#bounded(
          (signal) => this.#options.registrar!.register(this.instance(), signal),
          "register",
        );
      }
      this.#state = "running";
      await this.#hooks(this.#options.afterStart, true);
    } catch (error) {
      helper().errorw("app failed to start", "error", describe(error));
      const errors = await this.#shutdown(started, false);
      this.#state = "stopped";
      this.#markStopped();
      await flush(undefined, AbortSignal.timeout(1000)).catch(() => {});
      throw errors.length === 0 ? error : new AggregateError([error, ...errors], describe(error));
    }
    const signals = this.#options.signals === false
      ? []
      : this.#options.signals ?? ["SIGINT", "SIGTERM"];
    let received = 0;
    const unsubscribe = onSignals(signals, (signal) => {
      // A second signal cuts the drain short.
      if (++received > 1) {
        helper().warnw("second signal: cutting the drain short", "signal", signal);
        this.#force.abort();
      } else {
        helper().infow("app stopping", "signal", signal);
      }
      this.#stopRequested();
    });
    try {
      await stopRequested;
      const errors = await this.#shutdown(started, true);
      if (errors.length > 0) {
        throw new AggregateError(errors, `App: ${errors.length} error(s) while stopping`);
      }
    } finally {
      unsubscribe();
      this.#state = "stopped";
      helper().infow("app stopped", "name", this.name);
      await flush(undefined, AbortSignal.timeout(1000)).catch(() => {});
      this.#markStopped();
    }
  }

  /** Asks the app to stop and resolves once it stopped. */
  stop(): Promise<void> {
    if (this.#state === "new") {
      this.#state = "stopped";
      this.#markStopped();
    }
    this.#stopRequested();
    return this.#stopped;
  }

  /**
   * A Workers `fetch` handler serving the app's first fetch-capable server; start hooks run once,
   * on the first request.
   */
  toWorker(): WorkerHandler {
    const server = (this.#options.servers ?? []).find((s) =>
      typeof (s as Partial<FetchServer>).fetch === "function"
    ) as FetchServer | undefined;
    if (!server) throw new Error("App: toWorker() needs a server with fetch (the HTTP server)");
    server.bindApp?.(this);
    // workerd closes an HTTP/1.1 connection whose request body a reply left unread past 64 KiB
    // (runtime/worker_body.ts): there the entry drops the rest itself. Other runtimes' servers
    // take care of it.
    const dropUnread = detectRuntime() === "workerd";
    return {
      fetch: async (request, env, ctx) => {
        this.#worker ??= (async () => {
          await this.#hooks(this.#options.beforeStart, true);
          await this.#hooks(this.#options.afterStart, true);
        })();
        await this.#worker;
        if (!dropUnread) return await server.fetch(request, env, ctx);
        return await serveDroppingUnreadBody(request, (r) => server.fetch(r, env, ctx));
      },
    };
  }

  // Kratos order: beforeStop → deregister → stop servers (bounded) → afterStop. Errors are
  // collected, never overwritten. Health turns NOT_SERVING first, while the servers still
  // accept connections: a probe dialling afresh (grpc-health-probe, /readyz) can only see it
  // before they drain, and a beforeStop hook can hold this phase open for load balancers.
  async #shutdown(started: Server[], graceful: boolean): Promise<unknown[]> {
    this.#state = "stopping";
    for (const server of started) if (reportsHealth(server)) server.health.markDraining();
    const errors: unknown[] = [];
    if (graceful) errors.push(...await this.#hooks(this.#options.beforeStop, false));
    if (this.#options.registrar) {
      try {
        await this.#bounded(
          (signal) => this.#options.registrar!.deregister(this.instance(), signal),
          "deregister",
        );
      } catch (error) {
        errors.push(error);
      }
    }
    const stopTimeout = this.#options.stopTimeoutMs ?? 30_000;
    const timer = setTimeout(() => {
      helper().warnw("stop timeout reached", "stop_timeout_ms", stopTimeout);
      this.#force.abort();
    }, stopTimeout);
    try {
      const results = await Promise.allSettled(
        started.map((s) => s.stop({ app: this, signal: this.#force.signal })),
      );
      for (const r of results) if (r.status === "rejected") errors.push(r.reason);
    } finally {
      clearTimeout(timer);
    }
    errors.push(...await this.#hooks(this.#options.afterStop, false));
    return errors;
  }

  async #hooks(hooks: Hook | readonly Hook[] | undefined, failFast: boolean): Promise<unknown[]> {
    const list = hooks === undefined ? [] : typeof hooks === "function" ? [hooks] : hooks;
    const errors: unknown[] = [];
    for (const hook of list) {
      try {
        await hook({ app: this, signal: this.#force.signal });
      } catch (error) {
        if (failFast) throw error;
        errors.push(error);
      }
    }
    return errors;
  }

  async #bounded(fn: (signal: AbortSignal) => Promise<void>, what: string): Promise<void> {
    const ms = this.#options.registrarTimeoutMs ?? 10_000;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new Error(`App: ${what} timed out after ${ms} ms`);
        controller.abort(error);
        reject(error);
      }, ms);
    });
    try {
      await Promise.race([fn(controller.signal), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
