/**
 * A local JSR registry for tests and demos. It serves packages the way jsr.io does (meta.json,
 * `<version>_meta.json` with exports and sha256 manifest, module files with JSR's content types
 * and headers) and accepts `deno publish` uploads, so `JSR_URL=<url>` makes every `jsr:`
 * specifier of a published package resolve here, with no network.
 *
 * @example
 * ```ts
 * await using registry = await startJsrRegistry({ packages: ["@atreus/atreus"] });
 * await registry.publish(".");
 * // JSR_URL=registry.url deno run -A jsr:@atreus/atreus/cmd new shop
 * ```
 * @module
 */
import { type PublishOutput, publishPackage } from "./publish.ts";
import { RegistryHandler } from "./server.ts";
import type { PublishedVersion } from "./package.ts";

export { type PackageFile, type PublishedVersion, PublishError, sha256 } from "./package.ts";
export { contentTypeOf } from "./media.ts";
export { packagePathProblem } from "./paths.ts";
export type { PublishOutput } from "./publish.ts";

/** Options of {@linkcode startJsrRegistry}. */
export interface JsrRegistryOptions {
  /** Port on 127.0.0.1 (default: a free one). */
  readonly port?: number;
  /** Packages (`@scope/name`) that exist; default any. */
  readonly packages?: readonly string[];
  /** Token `deno publish --token` must send (default: a random one). */
  readonly token?: string;
  /**
   * The publish date meta.json reports for new versions (default: now). Deno refuses versions
   * younger than its minimum dependency age (24 h by default), as it would a release on its
   * first day; tests that play a user installing an established release date it earlier.
   */
  readonly publishedAt?: Date;
}

/** A running registry. */
export interface JsrRegistry extends AsyncDisposable {
  /** Its URL with a trailing slash: the value for JSR_URL. */
  readonly url: string;
  /** The publish token. */
  readonly token: string;
  /** Every request answered so far, as `METHOD /path`. */
  readonly requests: readonly string[];
  /** Publishes the package in `dir` with `deno publish` (see PublishOptions). */
  publish(dir: string, options?: { denoDir?: string; timeoutMs?: number }): Promise<PublishOutput>;
  /** The published versions of `@scope/name`. */
  versions(pkg: string): PublishedVersion[];
  /** Stops listening. */
  close(): Promise<void>;
}

/** Starts a registry on 127.0.0.1. */
export function startJsrRegistry(options: JsrRegistryOptions = {}): Promise<JsrRegistry> {
  const token = options.token ?? crypto.randomUUID();
  const publishedAt = options.publishedAt;
  const handler = new RegistryHandler(
    token,
    options.packages,
    publishedAt === undefined ? undefined : () => publishedAt,
  );
  const { promise, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: options.port ?? 0,
    onListen: resolve,
  }, (req) => handler.handle(req));
  return promise.then((addr) => {
    const url = `http://127.0.0.1:${addr.port}/`;
    const close = () => server.shutdown();
    return {
      url,
      token,
      requests: handler.requests,
      publish: (dir, publishOptions = {}) =>
        publishPackage(dir, { registryUrl: url, token, ...publishOptions }),
      versions: (pkg) => {
        const [scope, name] = pkg.replace(/^@/, "").split("/");
        return handler.versions(scope, name);
      },
      close,
      [Symbol.asyncDispose]: close,
    };
  });
}
