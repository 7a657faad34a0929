// Loads helloworld's configuration: configs/ (every .yaml/.yml/.json/.toml in it, in name order)
// overridden by HELLOWORLD_* environment variables, scanned into the conf.Bootstrap proto.
// Nested overrides use `__`: HELLOWORLD__SERVER__HTTP__ADDR=0.0.0.0:8080 sets server.http.addr;
// flat ones feed placeholders: HELLOWORLD_DATABASE_URL fills ${DATABASE_URL} in config.yaml.
import {
  type Config,
  type ConfigLogger,
  createConfig,
  env,
  type ErrorObserver,
  file,
} from "../../../../config/mod.ts";
import { type Bootstrap, BootstrapSchema } from "../../gen/conf/conf_pb.ts";

/** Where to read from; the defaults are the service's own configs/ and the process env. */
export interface LoadOptions {
  /** A config file or directory; default `examples/helloworld/configs/`. */
  readonly path?: string | URL;
  /** Variables to use instead of the process environment (Worker bindings, tests). */
  readonly vars?: Readonly<Record<string, unknown>>;
  /** Where config warnings go; default `console`. */
  readonly logger?: ConfigLogger;
  /** Called when a changed file is rejected (the running config stays as it was). */
  readonly onError?: ErrorObserver;
}

/** The scanned configuration and the live Config to watch for changes (close it on stop). */
export interface LoadedConfig {
  /** The configuration as loaded. */
  readonly bootstrap: Bootstrap;
  /** The watched config, e.g. `config.subscribe("log", LogSchema, apply)`. */
  readonly config: Config;
}

/** Loads, merges and scans the configuration; throws a ConfigError naming what is wrong. */
export async function loadConfig(options: LoadOptions = {}): Promise<LoadedConfig> {
  const config = createConfig({
    sources: [
      file(options.path ?? new URL("../../configs/", import.meta.url)),
      env({ prefix: "HELLOWORLD_", vars: options.vars }),
    ],
    logger: options.logger,
    onError: options.onError,
  });
  try {
    await config.load();
    return { bootstrap: await config.scan(BootstrapSchema), config };
  } catch (e) {
    await config.close();
    throw e;
  }
}
