// Nodes: one reachable endpoint of one service instance, with what balancers and filters read.
// Built from registry instances the way Kratos's selector.NewNode does (weight from metadata
// `weight`, default 100), plus the endpoint's scheme so a client can keep only the endpoints
// its protocol speaks.
import type { ServiceInstance } from "../registry/mod.ts";
import { SelectorError } from "./errors.ts";

/** The weight of a node whose metadata has no usable `weight` (Kratos's default). */
export const DEFAULT_WEIGHT = 100;

/** One endpoint of one instance. */
export interface Node {
  /** Endpoint scheme, e.g. `grpc`, `http`, `https`. */
  readonly scheme: string;
  /** `host:port` (IPv6 hosts in brackets). */
  readonly address: string;
  /** The endpoint URL exactly as registered. */
  readonly endpoint: string;
  /** Whether to dial with TLS: `https`/`grpcs`, or `isSecure=true` in the query (Kratos). */
  readonly secure: boolean;
  /** Service name. */
  readonly serviceName: string;
  /** Id of the instance the node belongs to. */
  readonly instanceId: string;
  /** Static weight: metadata `weight` when a positive number, else 100. */
  readonly weight: number;
  /** Instance version. */
  readonly version: string;
  /** Instance metadata. */
  readonly metadata: Readonly<Record<string, string>>;
}

/** Options of `toNodes`. */
export interface ToNodesOptions {
  /**
   * Keep only endpoints with these schemes, one node per instance: the endpoint whose scheme
   * comes first in this list. Without it, every endpoint becomes a node.
   */
  readonly schemes?: readonly string[];
  /** Called for each endpoint that is not a usable URL (it is skipped). */
  readonly onInvalid?: (error: SelectorError) => void;
}

// Nodes live from one registry update to the next while balancers ask for their key on every
// pick, several times per candidate: the string is built once per node.
const keys = new WeakMap<Node, string>();

/** The identity balancers keep per-node state under. */
export function nodeKey(node: Node): string {
  let key = keys.get(node);
  if (key === undefined) {
    key = `${node.scheme}://${node.address}`;
    keys.set(node, key);
  }
  return key;
}

/** Builds the node for one endpoint of `instance`; throws `invalid_endpoint` when malformed. */
export function createNode(instance: ServiceInstance, endpoint: string): Node {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch (error) {
    throw new SelectorError(
      "invalid_endpoint",
      `selector: endpoint ${
        JSON.stringify(endpoint)
      } of ${instance.name}/${instance.id} is not a URL`,
      { cause: error },
    );
  }
  if (!url.host) {
    throw new SelectorError(
      "invalid_endpoint",
      `selector: endpoint ${
        JSON.stringify(endpoint)
      } of ${instance.name}/${instance.id} has no host`,
    );
  }
  const scheme = url.protocol.slice(0, -1);
  const raw = Number(instance.metadata?.weight);
  return {
    scheme,
    address: url.host,
    endpoint,
    secure: scheme === "https" || scheme === "grpcs" ||
      url.searchParams.get("isSecure") === "true",
    serviceName: instance.name,
    instanceId: instance.id,
    weight: Number.isFinite(raw) && raw > 0 ? raw : DEFAULT_WEIGHT,
    version: instance.version ?? "",
    metadata: { ...instance.metadata },
  };
}

/** Turns a registry list into nodes; malformed endpoints are skipped and reported. */
export function toNodes(
  instances: readonly ServiceInstance[],
  options: ToNodesOptions = {},
): Node[] {
  const { schemes, onInvalid } = options;
  const nodes: Node[] = [];
  const seen = new Set<string>();
  const add = (node: Node) => {
    const key = nodeKey(node);
    if (seen.has(key)) return;
    seen.add(key);
    nodes.push(node);
  };
  for (const instance of instances) {
    const valid: Node[] = [];
    for (const endpoint of instance.endpoints) {
      try {
        valid.push(createNode(instance, endpoint));
      } catch (error) {
        onInvalid?.(error as SelectorError);
      }
    }
    if (!schemes) {
      valid.forEach(add);
      continue;
    }
    for (const scheme of schemes) {
      const match = valid.find((n) => n.scheme === scheme);
      if (match) {
        add(match);
        break;
      }
    }
  }
  return nodes;
}
