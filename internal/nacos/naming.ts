// The naming half of the Nacos v1 open API: ephemeral instances registered, kept alive by
// beats, deregistered and listed. Service names are qualified `GROUP@@name` in beats.
import { json } from "../http.ts";
import type { NacosClient } from "./client.ts";

/** What names one Nacos instance, in register, beat and deregister alike. */
export interface InstanceKey {
  /** Service name, e.g. `helloworld.grpc`. */
  readonly serviceName: string;
  /** Group, e.g. `DEFAULT_GROUP`. */
  readonly groupName: string;
  /** Cluster, e.g. `DEFAULT`. */
  readonly clusterName: string;
  /** IP (or host) of the instance. */
  readonly ip: string;
  /** Port of the instance. */
  readonly port: number;
}

/** What an instance carries besides its key. */
export interface InstanceBody {
  /** Load-balancing weight. */
  readonly weight: number;
  /** Metadata (strings). */
  readonly metadata: Readonly<Record<string, string>>;
}

const namespaceOf = (client: NacosClient) => client.namespace || undefined;

/** Registers (or updates) an ephemeral, healthy, enabled instance. */
export async function registerInstance(
  client: NacosClient,
  key: InstanceKey,
  body: InstanceBody,
  signal?: AbortSignal,
): Promise<void> {
  await client.request("nacos: register", "/v1/ns/instance", {
    ...key,
    weight: body.weight,
    enabled: "true",
    healthy: "true",
    ephemeral: "true",
    metadata: JSON.stringify(body.metadata),
    namespaceId: namespaceOf(client),
  }, { method: "POST", signal });
}

/**
 * Sends one beat. `known` is false when the server no longer knows the instance (code 20404,
 * or a 404): register it again. `intervalMs` is the cadence the server asks for, if it says.
 */
export async function sendBeat(
  client: NacosClient,
  key: InstanceKey,
  body: InstanceBody,
  signal?: AbortSignal,
): Promise<{ known: boolean; intervalMs?: number }> {
  const serviceName = `${key.groupName}@@${key.serviceName}`;
  const beat = JSON.stringify({
    serviceName,
    ip: key.ip,
    port: key.port,
    cluster: key.clusterName,
    weight: body.weight,
    metadata: body.metadata,
    scheduled: false,
  });
  const what = "nacos: beat";
  const result = await client.request(what, "/v1/ns/instance/beat", {
    serviceName,
    groupName: key.groupName,
    beat,
    namespaceId: namespaceOf(client),
  }, { method: "PUT", signal, accept: [404] });
  if (result.status === 404) return { known: false };
  const answer = json(client.http, result, what) as {
    code?: number;
    clientBeatInterval?: number;
  };
  const interval = answer?.clientBeatInterval;
  return {
    known: answer?.code !== 20404,
    intervalMs: typeof interval === "number" && interval > 0 ? interval : undefined,
  };
}

/** Deregisters an instance; an unknown one is not an error. */
export async function deregisterInstance(
  client: NacosClient,
  key: InstanceKey,
  signal?: AbortSignal,
): Promise<void> {
  await client.request("nacos: deregister", "/v1/ns/instance", {
    ...key,
    ephemeral: "true",
    namespaceId: namespaceOf(client),
  }, { method: "DELETE", signal, accept: [404] });
}

/** The healthy hosts of `serviceName` in `clusterName` (raw `/instance/list` hosts). */
export async function listInstances(
  client: NacosClient,
  service: {
    readonly serviceName: string;
    readonly groupName: string;
    readonly clusterName: string;
  },
  signal?: AbortSignal,
): Promise<unknown[]> {
  const what = `nacos: list ${service.serviceName}`;
  const result = await client.request(what, "/v1/ns/instance/list", {
    serviceName: service.serviceName,
    groupName: service.groupName,
    clusters: service.clusterName,
    healthyOnly: "true",
    namespaceId: namespaceOf(client),
  }, { signal });
  const body = json(client.http, result, what) as { hosts?: unknown } | null;
  if (!body || typeof body !== "object" || !Array.isArray(body.hosts)) {
    throw client.http.error("bad_response", `${what}: expected an object with hosts`, {});
  }
  return body.hosts;
}

// Services per page of /service/list.
const SERVICE_PAGE = 500;

/**
 * The names of every service of `groupName` (Nacos keeps services that lost their instances),
 * read page by page: a page shorter than asked for is the last one.
 */
export async function listServices(
  client: NacosClient,
  groupName: string,
  signal?: AbortSignal,
): Promise<string[]> {
  const names: string[] = [];
  for (let pageNo = 1;; pageNo++) {
    const what = `nacos: service list (page ${pageNo})`;
    const result = await client.request(what, "/v1/ns/service/list", {
      pageNo,
      pageSize: SERVICE_PAGE,
      groupName,
      namespaceId: namespaceOf(client),
    }, { signal });
    const body = json(client.http, result, what) as { doms?: unknown } | null;
    if (!body || typeof body !== "object" || !Array.isArray(body.doms)) {
      throw client.http.error("bad_response", `${what}: expected an object with doms`, {});
    }
    for (const dom of body.doms) if (typeof dom === "string" && dom !== "") names.push(dom);
    if (body.doms.length < SERVICE_PAGE) return [...new Set(names)];
  }
}
