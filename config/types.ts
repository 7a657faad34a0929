// The contracts between the config and its sources, and the schema shapes `scan` accepts.
// Schema shapes are structural so public signatures do not leak third-party types; generated
// protobuf-es schemas and Standard-Schema validators (zod, valibot…) fit them as they are.

/** One document or value a source provides. */
export interface KeyValue {
  /**
   * The source-relative name: a file name, an etcd or Consul key, an env var name. With format
   * `""` it is instead the dotted path where `value` goes (`""` for the root).
   */
  readonly key: string;
  /**
   * The encoded document (bytes or text) for formats such as `yaml`; with format `""`, a plain
   * value (string, number, object…) placed at the dotted path `key`.
   */
  readonly value: unknown;
  /** Decoder name: `json`, `yaml`, `yml`, `toml`, a custom one, or `""` for a plain value. */
  readonly format: string;
  /** Where it came from, for `explain` (a file path, an env var name, a URL); defaults to `key`. */
  readonly origin?: string;
  /**
   * Set for values that are only there for placeholders to refer to (env's flat names such as
   * `PORT`): scanning into a proto does not warn that no field takes them.
   */
  readonly lookupOnly?: boolean;
}

/** Waits for changes of one source. */
export interface Watcher {
  /**
   * Resolves with the source's complete new contents after a change. Rejects on a failure
   * (the config reports it and calls `next` again after a backoff), and once stopped.
   */
  next(): Promise<KeyValue[]>;
  /**
   * Stops watching: a pending `next()` and every later one reject with a `ConfigError` of code
   * `watcher_stopped`, as the registry's watchers reject with `watcher_stopped`.
   */
  stop(): Promise<void>;
}

/** Where configuration comes from (files, env, etcd…). */
export interface Source {
  /** Short name shown by `explain` and in errors, e.g. `file`, `env`, `etcd`. */
  readonly name: string;
  /** Reads the complete current contents. */
  load(): Promise<KeyValue[]>;
  /** Starts watching for changes; sources that never change leave it out. */
  watch?(): Promise<Watcher>;
}

/** One place a value came from. */
export interface Origin {
  /** The source's name, e.g. `file`. */
  readonly source: string;
  /** Where inside the source: a file path, env var name, etcd key, URL. */
  readonly location: string;
}

/** The answer of `explain(key)`: the effective value and where it came from. */
export interface Explanation {
  /** The key asked about (dotted path). */
  readonly key: string;
  /** The effective value, after merge and placeholders. */
  readonly value: unknown;
  /** Name of the source the effective value came from (the last of `from`). */
  readonly source: string;
  /** Location inside that source (file path, env var, key). */
  readonly location: string;
  /** Every layer that makes up the value, in merge order; objects can have several. */
  readonly from: readonly Origin[];
  /** Layers that also set this key but were replaced by a later one, in merge order. */
  readonly overridden: readonly Origin[];
  /** The string before placeholder resolution, when the value came from placeholders. */
  readonly template?: string;
  /** The keys the placeholders referred to. */
  readonly references?: readonly string[];
}

/** Where warnings and reported errors are logged; `console` fits. */
export interface ConfigLogger {
  /** Logs a warning. */
  warn(message: string, ...details: unknown[]): void;
}

/**
 * A protoc-gen-es message schema (a generated `…Schema` export). `T` is the message type,
 * recovered from the type brand generated schemas carry.
 */
export interface ProtoSchema<T = unknown> {
  /** Always `"message"`. */
  readonly kind: "message";
  /** Fully qualified name, e.g. `conf.Bootstrap`. */
  readonly typeName: string;
  /** Type brand of generated schemas (type-level only). */
  readonly $codegenv2?: { readonly a: T };
}

/** One problem a Standard-Schema validator found. */
export interface StandardIssue {
  /** What is wrong. */
  readonly message: string;
  /** Where, as property keys or `{ key }` segments. */
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }>;
}

/** What a Standard-Schema `validate` returns. */
export type StandardResult<T> =
  | { readonly value: T; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<StandardIssue> };

/** A Standard-Schema v1 validator (zod, valibot, arktype…), see standardschema.dev. */
export interface StandardSchema<T = unknown> {
  /** The Standard-Schema interface. */
  readonly "~standard": {
    /** Spec version, 1. */
    readonly version: 1;
    /** The library that made the schema. */
    readonly vendor: string;
    /** Validates a value, synchronously or not. */
    readonly validate: (
      value: unknown,
    ) => StandardResult<T> | Promise<StandardResult<T>>;
    /** Type-level input and output (no runtime value). */
    readonly types?: { readonly input: unknown; readonly output: T } | undefined;
  };
}

/** Anything `scan` accepts: a protobuf message schema or a Standard-Schema validator. */
export type Schema<T> = ProtoSchema<T> | StandardSchema<T>;
