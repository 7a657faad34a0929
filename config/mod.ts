/**
 * Layered configuration in the spirit of Kratos's `config`: sources merged in order,
 * `${KEY}` placeholders, typed values, scanning into protobuf messages or Standard-Schema
 * validators, provenance, and hot reload that survives bad edits. Runs on Deno, Bun, Node and
 * Cloudflare Workers (there: env bindings and remote sources, no files).
 *
 * ```ts
 * import { createConfig, env, file } from "@atreus/atreus/config";
 * import { BootstrapSchema, LogSchema } from "./gen/conf/conf_pb.ts";
 *
 * const config = createConfig({
 *   sources: [file("configs/"), env({ prefix: "HELLOWORLD_" })],
 *   onError: (e) => console.error("config change rejected:", e.message),
 * });
 * await config.load();
 * const bootstrap = await config.scan(BootstrapSchema);       // a typed conf.Bootstrap
 * config.value("server.http.timeout").duration();            // 1000 (ms) from "1s"
 * await config.subscribe("log", LogSchema, (log) => setLevel(log.level));
 * config.explain("server.http.addr");  // { source: "env", location: "HELLOWORLD__SERVER__HTTP__ADDR", … }
 * await config.close();
 * ```
 *
 * **Merging.** Sources are loaded in the order given and later ones win; objects merge key by
 * key, arrays and scalars are replaced, and `null` removes a value. A directory is read in
 * lexical file order, so `00-base.yaml` < `10-prod.yaml` makes profiles.
 *
 * **Placeholders.** Every string leaf, arrays included, may hold `${KEY}` or `${KEY:default}`,
 * resolved against the merged config (a dotted path, or a flat env name such as `PORT`).
 * A placeholder that is the whole string keeps the type of what it refers to (`"${base.port}"`
 * → `8000`); a default used that way becomes a boolean or number when it reads as one
 * (`${PORT:8000}` → `8000`, but `${V:1.10}` stays `"1.10"`). Defaults may nest placeholders,
 * `$${` is a literal `${`, and a key that is unset without a default is a `placeholder`
 * {@linkcode ConfigError} naming the key and where it was used (Kratos silently yields `""`).
 *
 * **Values.** `value(key)` gives a snapshot with `string`, `number`, `int`, `bool`, `duration`
 * (milliseconds, from `"1.5s"`, `"500ms"`, `"1h30m"` or a number of ms), `array` and `map`,
 * each with an optional fallback for unset keys. Accessors accept the string forms env
 * variables produce (`"8000"`, `"true"`).
 *
 * **Scanning.** `scan(schema)` (or `value(key).scan`, or `subscribe`) takes a protoc-gen-es
 * message schema or any Standard-Schema validator (zod, valibot, arktype…). Protobuf scans
 * follow protojson, made to fit hand-written files: durations as `"1s"` or `"500ms"`, enums by
 * name in any case with or without their prefix (`info` for `LOG_LEVEL_INFO`), `"true"` for
 * booleans; unknown fields are ignored with one warning listing them.
 *
 * **Watching.** `watch(key, observer)` calls every observer of a key after a change of its
 * value; `subscribe(key, schema, observer)` delivers a freshly scanned typed value of a subtree.
 * A change is built and validated completely (parse, placeholders, every subscription's scan)
 * before it replaces the current config: if anything fails, the last good config stays, the
 * error goes to the `onError` observers and the logger, and watching goes on. Observers that
 * throw are reported the same way.
 *
 * **Sources.**
 * - {@linkcode file}: a file or a directory (`.json`, `.yaml`, `.yml`, `.toml`; dotfiles and
 *   `~` backups skipped), watched through its directory with Deno.watchFs or node:fs, so
 *   editors' atomic rename-and-replace saves and Kubernetes ConfigMap symlink swaps are seen.
 *   Not available on Workers (an `unsupported` error says so).
 * - {@linkcode env}: with `prefix: "APP_"`, `APP__DATA__DATABASE__SOURCE` overrides
 *   `data.database.source` (segments lowercased, so use snake_case keys) and `APP_PORT` becomes
 *   the flat key `PORT` for placeholders. On Workers pass the bindings: `env({ vars: env })`.
 * - {@linkcode memory}: an object, replaceable with `set` (tests, embedding).
 * - {@linkcode etcd}: one key or a prefix over the v3 JSON gateway; the format comes from each
 *   key's extension; watched through the streaming `/v3/watch`, resuming from the last revision
 *   + 1 after a clean end, an error or an idle timeout, and listing again after a compaction.
 *   Tested against a real etcd.
 * - {@linkcode consul}: a KV prefix read with `recurse`, watched with blocking queries.
 *   Tested against a real Consul agent.
 * - {@linkcode nacos}: one data id over the v1 Open API (Nacos 1.x/2.x), watched with the
 *   long-polling listener; logs in with `username`/`password` when auth is on.
 *
 * No Nacos server can run where this package is tested, so that source is tested against a
 * small stateful fake that follows the documented HTTP API, not a real server.
 * Every remote source takes an injectable `fetch` (TLS clients, proxies, tests). A source is
 * any object with `name`, `load()` and optionally `watch()` (see {@linkcode Source}).
 *
 * @module
 */
export {
  type Config,
  type ConfigOptions,
  createConfig,
  type ErrorObserver,
  type Observer,
  type Subscription,
  type Unsubscribe,
} from "./config.ts";
export { ConfigError, type ConfigErrorCode, type ConfigErrorOptions } from "./errors.ts";
export { Value } from "./value.ts";
export type {
  ConfigLogger,
  Explanation,
  KeyValue,
  Origin,
  ProtoSchema,
  Schema,
  Source,
  StandardIssue,
  StandardResult,
  StandardSchema,
  Watcher,
} from "./types.ts";
export { file, type FileOptions } from "./file.ts";
export { env, type EnvOptions } from "./env.ts";
export { memory, type MemoryOptions, type MemorySource } from "./memory.ts";
export { etcd, type EtcdOptions } from "./etcd.ts";
export type { FetchLike } from "../internal/http.ts";
export type { BackoffOptions } from "../internal/backoff.ts";
export type { EtcdClientOptions } from "../internal/etcd/client.ts";
export type { ConsulClientOptions } from "../internal/consul/client.ts";
export type { NacosClientOptions } from "../internal/nacos/client.ts";
export { InvalidOptionError } from "../internal/options.ts";
export { consul, type ConsulOptions } from "./consul.ts";
export { nacos, type NacosOptions } from "./nacos.ts";
