// Client targets, in Kratos's notation: `discovery:///name` (a registry service),
// `direct:///host:port,host:port` (fixed addresses, balanced), or one URL.
import { ClientError } from "./errors.ts";

/** A parsed client endpoint. */
export type Target =
  | { readonly kind: "discovery"; readonly name: string }
  | { readonly kind: "direct"; readonly addresses: readonly string[] }
  | { readonly kind: "url"; readonly scheme: string; readonly url: string };

const urlSchemes = ["http", "https", "grpc", "grpcs"];

function invalid(endpoint: string, why: string): ClientError {
  return new ClientError(
    "invalid_endpoint",
    `client: endpoint ${JSON.stringify(endpoint)} ${why}; want discovery:///<service>, ` +
      "direct:///<host:port>[,<host:port>…] or an http://, https://, grpc:// or grpcs:// URL",
  );
}

/** Parses `endpoint`; throws `ClientError` `invalid_endpoint` naming what is wrong. */
export function parseEndpoint(endpoint: unknown): Target {
  if (typeof endpoint !== "string" || endpoint.trim() === "") {
    throw invalid(String(endpoint), "is empty or not a string");
  }
  const m = endpoint.match(/^([a-z][a-z0-9+.-]*):\/\/([^/]*)(\/.*)?$/i);
  if (!m) throw invalid(endpoint, "has no scheme");
  const scheme = m[1].toLowerCase();
  const path = m[3] ?? "";
  if (scheme === "discovery") {
    // Kratos ignores the authority (`discovery://default/name`); so does Atreus.
    const name = path.slice(1);
    if (name === "" || name.includes("/") || /[?#\s]/.test(name)) {
      throw invalid(endpoint, "does not name one service");
    }
    return { kind: "discovery", name };
  }
  if (scheme === "direct") {
    if (m[2] !== "") throw invalid(endpoint, "has an authority; put the addresses after ///");
    const list = path.slice(1);
    const addresses = list.split(",").map((a) => a.trim());
    if (list === "" || addresses.some((a) => a === "")) {
      throw invalid(endpoint, "has an empty address");
    }
    for (const address of addresses) checkAddress(endpoint, address);
    return { kind: "direct", addresses };
  }
  if (!urlSchemes.includes(scheme)) throw invalid(endpoint, `has unknown scheme "${scheme}"`);
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw invalid(endpoint, "is not a valid URL");
  }
  if (url.host === "") throw invalid(endpoint, "has no host");
  if (url.username || url.password) throw invalid(endpoint, "carries credentials");
  if (url.search || url.hash) throw invalid(endpoint, "has a query or fragment");
  if (scheme.startsWith("grpc") && url.pathname !== "/" && url.pathname !== "") {
    throw invalid(endpoint, "has a path (gRPC endpoints are host:port)");
  }
  return { kind: "url", scheme, url: endpoint.replace(/\/+$/, "") };
}

function checkAddress(endpoint: string, address: string): void {
  let url: URL;
  try {
    // A scheme without a default port, so ":80" survives parsing.
    url = new URL(`tcp://${address}`);
  } catch {
    throw invalid(endpoint, `has a malformed address "${address}"`);
  }
  // Reject anything URL parsing tolerated beyond host:port (paths, credentials, no port).
  if (url.host !== address || url.port === "" || url.port === "0") {
    throw invalid(endpoint, `has address "${address}", want host:port`);
  }
}
