// Consul's wire shapes, kept identical to Kratos's contrib/registry/consul so Go and TS
// services registered in one Consul see each other the same way: tag `version=<v>`, one tagged
// address per endpoint scheme carrying the full endpoint URL, Address/Port of the first endpoint.
import { RegistryError } from "../errors.ts";
import { parseEndpoint, recordToInstance } from "../instance.ts";
import type { ServiceInstance } from "../registry.ts";

/** The knobs of the registration payload. */
export interface PayloadOptions {
  /** Add a TCP check per endpoint. */
  readonly healthCheck: boolean;
  /** Add the TTL check `service:<id>` the heartbeat keeps passing. */
  readonly heartbeat: boolean;
  /** Check interval in ms; the TTL is twice that. */
  readonly intervalMs: number;
  /** Time in ms after which Consul removes a critical service. */
  readonly deregisterAfterMs: number;
  /** Extra tags after `version=<v>`. */
  readonly tags: readonly string[];
}

// A Go duration string: whole seconds as Kratos writes them ("10s"), else milliseconds.
function goDuration(ms: number): string {
  return Number.isInteger(ms / 1000) ? `${ms / 1000}s` : `${Math.ceil(ms)}ms`;
}

/** The TTL check id Kratos uses for an instance. */
export function ttlCheckId(instance: ServiceInstance): string {
  return `service:${instance.id}`;
}

/** The body of `PUT /v1/agent/service/register` for an instance, as Kratos builds it. */
export function registration(instance: ServiceInstance, options: PayloadOptions): string {
  const tagged: Record<string, { Address: string; Port: number }> = {};
  const checks: Record<string, string>[] = [];
  let address = "";
  let port = 0;
  for (const endpoint of instance.endpoints) {
    const parts = parseEndpoint(endpoint)!;
    if (address === "") {
      address = parts.host;
      port = parts.port;
    }
    tagged[parts.scheme] = { Address: endpoint, Port: parts.port };
    if (options.healthCheck) {
      const host = parts.host.includes(":") ? `[${parts.host}]` : parts.host;
      checks.push({
        TCP: `${host}:${parts.port}`,
        Interval: goDuration(options.intervalMs),
        DeregisterCriticalServiceAfter: goDuration(options.deregisterAfterMs),
        Timeout: "5s",
      });
    }
  }
  if (options.heartbeat) {
    checks.push({
      CheckID: ttlCheckId(instance),
      TTL: goDuration(options.intervalMs * 2),
      DeregisterCriticalServiceAfter: goDuration(options.deregisterAfterMs),
    });
  }
  // Field order and omissions follow Go's api.AgentServiceRegistration (omitempty).
  const body: Record<string, unknown> = {
    ID: instance.id,
    Name: instance.name,
    Tags: [`version=${instance.version}`, ...options.tags],
  };
  if (port) body.Port = port;
  if (address) body.Address = address;
  if (Object.keys(tagged).length > 0) body.TaggedAddresses = tagged;
  if (Object.keys(instance.metadata).length > 0) body.Meta = instance.metadata;
  if (checks.length > 0) body.Checks = checks;
  return JSON.stringify(body);
}

// Consul adds these itself; they hold bare IPs, not endpoint URLs.
const CONSUL_ADDRESSES = new Set(["lan", "wan", "lan_ipv4", "wan_ipv4", "lan_ipv6", "wan_ipv6"]);

/**
 * Maps one `/v1/health/service` entry to an instance like Kratos's default resolver; throws
 * `invalid_record` when the entry is malformed.
 */
export function fromHealthEntry(entry: unknown, service: string): ServiceInstance {
  const s = (entry as { Service?: Record<string, unknown> } | null)?.Service;
  const where = `consul service ${JSON.stringify(service)}`;
  if (!s || typeof s !== "object") {
    throw new RegistryError("invalid_record", `registry: invalid record at ${where}: no Service`);
  }
  const tags = Array.isArray(s.Tags) ? s.Tags.filter((t) => typeof t === "string") : [];
  const version = tags.find((t: string) => t.startsWith("version="))?.slice("version=".length);
  const endpoints: unknown[] = [];
  const tagged = s.TaggedAddresses;
  if (tagged && typeof tagged === "object") {
    for (const [key, value] of Object.entries(tagged)) {
      if (CONSUL_ADDRESSES.has(key)) continue;
      endpoints.push((value as { Address?: unknown } | null)?.Address);
    }
  }
  if (endpoints.length === 0 && typeof s.Address === "string" && s.Address) {
    endpoints.push(`http://${s.Address}:${s.Port ?? 0}`);
  }
  // Reuse the Kratos record validation so both adapters reject the same malformations.
  return recordToInstance(
    {
      id: s.ID,
      name: s.Service,
      version: version ?? "",
      metadata: s.Meta,
      endpoints,
    },
    where,
  );
}
