// ServiceInstance validation and the Kratos wire record. Go Kratos stores
// `json.Marshal(ServiceInstance)`; mixed Go/TS fleets share etcd, so the bytes we write must be
// the bytes Go writes: fields in struct order, map keys sorted by UTF-8 bytes, and Go's string
// escaping (HTML-safe `<`, `>`, `&`, plus U+2028/U+2029), which JSON.stringify does not do.
import { RegistryError } from "./errors.ts";
import type { ServiceInstance } from "./registry.ts";

/** Checks an instance before it is registered; throws `invalid_instance` naming the problem. */
export function validateInstance(instance: ServiceInstance): ServiceInstance {
  function fail(problem: string): never {
    throw new RegistryError("invalid_instance", `registry: invalid instance: ${problem}`);
  }
  if (instance === null || typeof instance !== "object") fail("not an object");
  const { id, name, version, metadata, endpoints } = instance;
  if (typeof id !== "string" || id === "") fail("id must be a non-empty string");
  if (typeof name !== "string" || name === "") fail("name must be a non-empty string");
  if (name.includes("/")) fail(`name ${JSON.stringify(name)} must not contain "/"`);
  if (id.includes("/")) fail(`id ${JSON.stringify(id)} must not contain "/"`);
  if (version !== undefined && typeof version !== "string") fail("version must be a string");
  if (metadata !== undefined && (metadata === null || typeof metadata !== "object")) {
    fail("metadata must be an object of strings");
  }
  for (const [key, value] of Object.entries(metadata ?? {})) {
    if (typeof value !== "string") fail(`metadata ${JSON.stringify(key)} must be a string`);
  }
  if (!Array.isArray(endpoints)) fail("endpoints must be an array of URLs");
  for (const endpoint of endpoints) {
    if (typeof endpoint !== "string") fail("endpoints must be strings");
    if (parseEndpoint(endpoint) === undefined) {
      fail(`endpoint ${JSON.stringify(endpoint)} is not a URL like grpc://host:port`);
    }
  }
  return {
    id,
    name,
    version: version ?? "",
    metadata: { ...metadata },
    endpoints: [...endpoints],
  };
}

/** Checks a service name given to getService/watch; throws `invalid_argument`. */
export function validateName(name: unknown, adapter: string): string {
  if (typeof name !== "string" || name === "" || name.includes("/")) {
    throw new RegistryError(
      "invalid_argument",
      `${adapter}: service name must be a non-empty string without "/", got ${
        JSON.stringify(name)
      }`,
    );
  }
  return name;
}

/** An endpoint URL split into the parts adapters need. */
export interface EndpointParts {
  /** URL scheme without the colon, e.g. `grpc`. */
  readonly scheme: string;
  /** Host without brackets, e.g. `10.0.0.5` or `::1`. */
  readonly host: string;
  /** Port, or 0 when the URL has none. */
  readonly port: number;
}

/** Splits `grpc://10.0.0.5:9000`; `undefined` when it is not such a URL. */
export function parseEndpoint(endpoint: string): EndpointParts | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return undefined;
  }
  if (!url.hostname) return undefined;
  const scheme = url.protocol.slice(0, -1);
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  return { scheme, host, port: url.port ? Number(url.port) : 0 };
}

/** Encodes an instance exactly as Go's `json.Marshal` of Kratos's `ServiceInstance` does. */
export function encodeInstance(instance: ServiceInstance): string {
  const metadata = Object.keys(instance.metadata ?? {})
    .sort(compareUtf8)
    .map((key) => `${goString(key)}:${goString(instance.metadata[key])}`)
    .join(",");
  return `{"id":${goString(instance.id)},"name":${goString(instance.name)},"version":${
    goString(instance.version ?? "")
  },"metadata":{${metadata}},"endpoints":[${instance.endpoints.map(goString).join(",")}]}`;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const HTML_UNSAFE = /[<>&\u2028\u2029]/g;

// Go replaces invalid UTF-16 (invalid UTF-8 on its side) with U+FFFD and escapes HTML-sensitive
// characters; control characters get the same short forms JSON.stringify uses (Go ≥ 1.22).
function goString(value: string): string {
  return JSON.stringify(value.replace(LONE_SURROGATE, "\ufffd")).replace(
    HTML_UNSAFE,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

// Go sorts map keys by their UTF-8 bytes, which is code point order, not UTF-16 unit order.
function compareUtf8(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/**
 * Decodes a Kratos record. Accepts what Go writes (`null` metadata or endpoints, missing
 * version); throws `invalid_record` naming the problem otherwise.
 */
export function decodeInstance(text: string, where: string): ServiceInstance {
  function fail(problem: string, cause?: unknown): never {
    throw new RegistryError("invalid_record", `registry: invalid record at ${where}: ${problem}`, {
      cause,
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    fail("not JSON", error);
  }
  return recordToInstance(raw, where);
}

/**
 * Checks a record already parsed (or built from another registry's answer) the way
 * `decodeInstance` checks Kratos's JSON, so every adapter rejects the same malformations.
 */
export function recordToInstance(raw: unknown, where: string): ServiceInstance {
  function fail(problem: string): never {
    throw new RegistryError("invalid_record", `registry: invalid record at ${where}: ${problem}`);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) fail("not a JSON object");
  const record = raw as Record<string, unknown>;
  const id = record.id;
  const name = record.name;
  const version = record.version ?? "";
  if (typeof id !== "string" || id === "") fail("id must be a non-empty string");
  if (typeof name !== "string" || name === "") fail("name must be a non-empty string");
  if (typeof version !== "string") fail("version must be a string");
  const rawMetadata = record.metadata ?? {};
  if (typeof rawMetadata !== "object" || Array.isArray(rawMetadata)) {
    fail("metadata must be an object");
  }
  const entries = Object.entries(rawMetadata as object);
  for (const [key, value] of entries) {
    if (typeof value !== "string") fail(`metadata ${JSON.stringify(key)} must be a string`);
  }
  // fromEntries defines own properties, so a "__proto__" key stays data, not a prototype.
  const metadata: Record<string, string> = Object.fromEntries(entries);
  const endpoints = record.endpoints ?? [];
  if (!Array.isArray(endpoints) || endpoints.some((e) => typeof e !== "string")) {
    fail("endpoints must be an array of strings");
  }
  return {
    id: id as string,
    name: name as string,
    version: version as string,
    metadata,
    endpoints: endpoints as string[],
  };
}

/** A stable order for instance lists (by id, then name) so equal sets compare equal. */
export function sortInstances(instances: ServiceInstance[]): ServiceInstance[] {
  return instances.sort((a, b) =>
    a.id < b.id ? -1 : a.id > b.id ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0
  );
}

/** True when two sorted lists hold the same instances. */
export function sameInstances(
  a: readonly ServiceInstance[],
  b: readonly ServiceInstance[],
): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (encodeInstance(a[i]) !== encodeInstance(b[i])) return false;
  }
  return true;
}

/** A deep copy, so callers cannot mutate what an adapter holds. */
export function copyInstance(instance: ServiceInstance): ServiceInstance {
  return {
    id: instance.id,
    name: instance.name,
    version: instance.version,
    metadata: { ...instance.metadata },
    endpoints: [...instance.endpoints],
  };
}

/** Decodes every item, dropping (and passing to `onInvalid`) those that throw. */
export function decodeEach<T>(
  items: readonly T[],
  decode: (item: T) => ServiceInstance,
  onInvalid: (error: Error) => void,
): ServiceInstance[] {
  const out: ServiceInstance[] = [];
  for (const item of items) {
    try {
      out.push(decode(item));
    } catch (error) {
      onInvalid(error as Error);
    }
  }
  return out;
}
