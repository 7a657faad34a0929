// The HTTP side of the local registry, laid out as jsr.io is: the registry API (meta.json,
// <version>_meta.json, module files under /@scope/name/<version>/) at the root and the part of
// the management API that `deno publish` calls under /api/ (Deno derives it from JSR_URL).
import { contentTypeOf } from "./media.ts";
import {
  packageMeta,
  processTarball,
  type PublishedVersion,
  PublishError,
  versionMeta,
} from "./package.ts";

const immutable = "public, max-age=31536000, immutable";
const manifestCache = "public, max-age=60, s-maxage=60";
// What jsr.io sends with every module file: never rendered or run by a browser that opens it.
const moduleHeaders = {
  "content-security-policy":
    "default-src 'none'; script-src 'none'; style-src 'none'; img-src 'none'; font-src 'none'; " +
    "connect-src 'none'; frame-src 'none'; object-src 'none'; frame-ancestors 'none'; sandbox; " +
    "form-action 'none';",
  "x-content-type-options": "nosniff",
  "cross-origin-resource-policy": "cross-origin",
  "access-control-allow-origin": "*",
  "access-control-expose-headers": "*",
};
const maxUploadBytes = 20 * 1024 * 1024;
const semver = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/** A publishing task as the management API reports it. */
interface Task {
  id: string;
  status: "success" | "failure";
  error: { code: string; message: string } | null;
  packageScope: string;
  packageName: string;
  packageVersion: string;
  createdAt: string;
  updatedAt: string;
}

/** Registry state and request handling; see `startJsrRegistry` for the listening server. */
export class RegistryHandler {
  readonly #token: string;
  readonly #packages = new Map<string, Map<string, PublishedVersion>>();
  readonly #tasks = new Map<string, Task>();
  readonly #allowed: ReadonlySet<string> | undefined;
  readonly #publishedAt: () => Date;
  /** Every request seen, as `METHOD /path`, for tests that check what a client fetched. */
  readonly requests: string[] = [];

  /**
   * `token` authorises publishing; `packages` (`@scope/name`) limits what exists;
   * `publishedAt` dates each new version (default: now).
   */
  constructor(token: string, packages?: readonly string[], publishedAt = () => new Date()) {
    this.#token = token;
    this.#allowed = packages === undefined ? undefined : new Set(packages);
    this.#publishedAt = publishedAt;
  }

  /** The versions published so far of `@scope/name`. */
  versions(scope: string, name: string): PublishedVersion[] {
    return [...(this.#packages.get(`@${scope}/${name}`)?.values() ?? [])];
  }

  /** Answers one request. */
  async handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    this.requests.push(`${req.method} ${url.pathname}`);
    const path = decodeURIComponent(url.pathname);
    if (path.startsWith("/api/")) return await this.#api(req, path.slice(4), url);
    if (req.method !== "GET" && req.method !== "HEAD") {
      return apiError(405, "methodNotAllowed", `${req.method} is not served here`);
    }
    // jsr.io hands browser navigations to its web pages; only fetches get the raw files.
    if (req.headers.get("accept")?.startsWith("text/html")) {
      return apiError(406, "notAcceptable", "module files are not served to text/html requests");
    }
    return this.#registry(req, path);
  }

  #registry(req: Request, path: string): Response {
    const m = /^\/@([^/]+)\/([^/]+)\/(?:(meta\.json)|([^/]+)_meta\.json|([^/]+)(\/.+))$/.exec(
      path,
    );
    if (m === null) return apiError(404, "notFound", `${path} is not a registry path`);
    const [, scope, name, meta, metaVersion, fileVersion, filePath] = m;
    const versions = this.#packages.get(`@${scope}/${name}`);
    if (versions === undefined) return apiError(404, "packageNotFound", `@${scope}/${name}`);
    if (meta !== undefined) {
      return json(packageMeta([...versions.values()]), 200, { "cache-control": manifestCache });
    }
    const version = versions.get(metaVersion ?? fileVersion);
    if (version === undefined) {
      return apiError(404, "packageVersionNotFound", `@${scope}/${name}@${metaVersion}`);
    }
    if (metaVersion !== undefined) {
      return json(versionMeta(version), 200, { "cache-control": immutable });
    }
    const file = version.files.get(filePath);
    if (file === undefined) return apiError(404, "notFound", `${filePath} is not in the package`);
    const etag = `"${file.checksum}"`;
    const headers: Record<string, string> = {
      ...moduleHeaders,
      "cache-control": immutable,
      etag,
      "content-type": contentTypeOf(filePath) ?? "application/octet-stream",
    };
    if (req.headers.get("if-none-match") === etag) {
      return new Response(null, { status: 304, headers });
    }
    headers["content-length"] = String(file.bytes.length);
    return new Response(req.method === "HEAD" ? null : file.bytes as Uint8Array<ArrayBuffer>, {
      headers,
    });
  }

  async #api(req: Request, path: string, url: URL): Promise<Response> {
    let m = /^\/scopes\/([^/]+)$/.exec(path);
    if (m !== null && req.method === "GET") {
      const scope = m[1];
      if (!this.#scopeExists(scope)) return apiError(404, "scopeNotFound", `scope @${scope}`);
      return json({ scope, description: null });
    }
    m = /^\/scopes\/([^/]+)\/packages\/([^/]+)$/.exec(path);
    if (m !== null && req.method === "GET") {
      const [, scope, name] = m;
      if (!this.#packageExists(scope, name)) {
        return apiError(404, "packageNotFound", `package @${scope}/${name}`);
      }
      const versions = this.versions(scope, name);
      const latest = packageLatest(versions);
      return json({ scope, name, description: "", latestVersion: latest });
    }
    m = /^\/scopes\/([^/]+)\/packages\/([^/]+)\/versions\/([^/]+)$/.exec(path);
    if (m !== null && req.method === "POST") return await this.#publish(req, m, url);
    m = /^\/publish_status\/([^/]+)$/.exec(path);
    if (m !== null && req.method === "GET") {
      const task = this.#tasks.get(m[1]);
      return task === undefined
        ? apiError(404, "publishingTaskNotFound", `task ${m[1]}`)
        : json(task);
    }
    return apiError(404, "notFound", `${req.method} /api${path} is not part of this registry`);
  }

  // JSR queues the tarball and reports the task as pending; here it is processed before the
  // answer, so the task is already final and `deno publish` has nothing to poll.
  async #publish(req: Request, [, scope, name, version]: RegExpExecArray, url: URL) {
    if (req.headers.get("authorization") !== `Bearer ${this.#token}`) {
      return apiError(401, "invalidBearerToken", "the token is missing or wrong");
    }
    if (!semver.test(version)) {
      return apiError(400, "malformedRequest", `invalid semver version "${version}"`);
    }
    const config = url.searchParams.get("config");
    if (config === null) {
      return apiError(400, "malformedRequest", "Missing query parameter 'config'");
    }
    if (req.headers.get("content-encoding") !== "gzip") {
      return apiError(400, "missingGzipContentEncoding", "the tarball must be gzip encoded");
    }
    if (!this.#packageExists(scope, name)) {
      return apiError(404, "packageNotFound", `package @${scope}/${name}`);
    }
    const key = `@${scope}/${name}`;
    const existing = this.#packages.get(key)?.get(version);
    if (existing !== undefined) {
      const task = [...this.#tasks.values()].find((t) =>
        t.packageScope === scope && t.packageName === name && t.packageVersion === version &&
        t.status === "success"
      );
      return json({
        code: "duplicateVersionPublish",
        message: `@${scope}/${name}@${version} is already published`,
        task,
      }, 409);
    }
    const gz = new Uint8Array(await req.arrayBuffer());
    if (gz.length > maxUploadBytes) {
      return apiError(413, "tarballSizeLimitExceeded", `${gz.length} bytes (at most 20 MB)`);
    }
    const now = new Date().toISOString();
    const task: Task = {
      id: crypto.randomUUID(),
      status: "success",
      error: null,
      packageScope: scope,
      packageName: name,
      packageVersion: version,
      createdAt: now,
      updatedAt: now,
    };
    try {
      const tar = await gunzip(gz);
      const target = { scope, name, version, config };
      const published = await processTarball(tar, target, this.#publishedAt());
      let versions = this.#packages.get(key);
      if (versions === undefined) this.#packages.set(key, versions = new Map());
      versions.set(version, published);
    } catch (e) {
      if (!(e instanceof PublishError)) throw e;
      task.status = "failure";
      task.error = { code: e.code, message: e.message };
    }
    this.#tasks.set(task.id, task);
    return json(task);
  }

  #scopeExists(scope: string): boolean {
    return this.#allowed === undefined ||
      [...this.#allowed].some((p) => p.startsWith(`@${scope}/`));
  }

  #packageExists(scope: string, name: string): boolean {
    return this.#allowed === undefined || this.#allowed.has(`@${scope}/${name}`);
  }
}

function packageLatest(versions: readonly PublishedVersion[]): string | null {
  return versions.length === 0 ? null : (packageMeta(versions).latest as string | null);
}

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
      .pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new PublishError("invalidTarball", `the upload is not gzip: ${(e as Error).message}`);
  }
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

function apiError(status: number, code: string, message: string): Response {
  return json({ code, message }, status);
}
