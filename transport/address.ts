// Listen-address parsing and Kratos-style endpoint host extraction.

/** A parsed listen address. */
export interface ListenAddress {
  /** Host to bind (`0.0.0.0` when the address gave none). */
  readonly hostname: string;
  /** Port to bind (0 picks a free one). */
  readonly port: number;
}

/**
 * Parses `":8000"`, `"0.0.0.0:8000"`, `"127.0.0.1:0"`, `"[::1]:9000"` or `"8000"`.
 * Throws a `TypeError` naming the address when it is malformed.
 */
export function parseAddress(address: string): ListenAddress {
  const text = address.trim();
  let host: string;
  let portText: string;
  if (/^\d+$/.test(text)) {
    host = "";
    portText = text;
  } else if (text.startsWith("[")) {
    const end = text.indexOf("]");
    if (end < 0 || text[end + 1] !== ":") throw badAddress(address);
    host = text.slice(1, end);
    portText = text.slice(end + 2);
  } else {
    const colon = text.lastIndexOf(":");
    if (colon < 0 || text.indexOf(":") !== colon) throw badAddress(address);
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
  }
  if (!/^\d+$/.test(portText)) throw badAddress(address);
  const port = Number(portText);
  if (port > 65535) throw badAddress(address);
  return { hostname: host === "" ? "0.0.0.0" : host, port };
}

function badAddress(address: string): TypeError {
  return new TypeError(
    `invalid listen address ${JSON.stringify(address)}: want "host:port", ":port" or "[ipv6]:port"`,
  );
}

const unspecified = new Set(["", "0.0.0.0", "::", "[::]"]);

/**
 * The host to advertise for a bound hostname: an unspecified address becomes the first
 * global-unicast address of an up interface (IPv4 preferred), like Kratos's `host.Extract`.
 */
export function advertiseHost(hostname: string): string {
  if (!unspecified.has(hostname)) return hostname;
  return firstInterfaceAddress() ?? "127.0.0.1";
}

interface InterfaceAddress {
  address: string;
  family: string | number;
  internal: boolean;
}

// node:os is looked up lazily: Workers have no node:os, and there is nothing to advertise there.
function interfaces(): Record<string, InterfaceAddress[] | undefined> {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } })
    .process;
  const os = proc?.getBuiltinModule?.("node:os") as
    | { networkInterfaces(): Record<string, InterfaceAddress[] | undefined> }
    | undefined;
  if (os) return os.networkInterfaces();
  const deno = (globalThis as { Deno?: typeof Deno }).Deno;
  if (deno) {
    const out: Record<string, InterfaceAddress[]> = {};
    for (const i of deno.networkInterfaces()) {
      (out[i.name] ??= []).push({
        address: i.address,
        family: i.family,
        internal: i.address.startsWith("127.") || i.address === "::1",
      });
    }
    return out;
  }
  return {};
}

function firstInterfaceAddress(): string | undefined {
  let ifaces: Record<string, InterfaceAddress[] | undefined>;
  try {
    ifaces = interfaces();
  } catch {
    return undefined;
  }
  let v6: string | undefined;
  for (const addrs of Object.values(ifaces)) {
    for (const a of addrs ?? []) {
      const family = a.family === 4 || a.family === "IPv4" ? "IPv4" : "IPv6";
      if (a.internal || !isGlobalUnicast(a.address, family)) continue;
      if (family === "IPv4") return a.address;
      v6 ??= a.address;
    }
  }
  return v6;
}

function isGlobalUnicast(address: string, family: string): boolean {
  if (family === "IPv4") {
    return !address.startsWith("127.") && !address.startsWith("169.254.") &&
      address !== "0.0.0.0" && Number(address.split(".")[0]) < 224;
  }
  const a = address.toLowerCase();
  return a !== "::" && a !== "::1" && !a.startsWith("fe80:") && !a.startsWith("ff");
}

/** Formats `host:port`, bracketing IPv6 hosts. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
