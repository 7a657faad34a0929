// The three wire protocols a client speaks, and the per-node Connect-ES transports behind them.
// Connect and gRPC-Web go over fetch, so they run everywhere, Workers included; native gRPC
// needs node:http2, so connect-node is imported only when a gRPC transport is first built and a
// Workers bundle never loads it.
import type { DescMethod } from "@bufbuild/protobuf";
import type { Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { requestHeader as connectHeader } from "@connectrpc/connect/protocol-connect";
import { requestHeader as grpcWebHeader } from "@connectrpc/connect/protocol-grpc-web";
import { requestHeader as grpcHeader } from "@connectrpc/connect/protocol-grpc";
import { type ContextValues, runWithValues } from "../../internal/context.ts";
import type { FetchLike } from "../../registry/mod.ts";
import { guardFetch } from "./failure.ts";

/** The wire protocol of a client. */
export type ClientProtocol = "connect" | "grpc-web" | "grpc";

/** Every protocol, for validation messages. */
export const protocols: readonly ClientProtocol[] = ["connect", "grpc-web", "grpc"];

/** The endpoint schemes a protocol can dial, preferred first. */
export function schemesOf(protocol: ClientProtocol): readonly string[] {
  return protocol === "grpc" ? ["grpc", "grpcs"] : ["http", "https"];
}

/**
 * The protocol's request headers as the node transport will send them, so client middleware
 * sees the real content type (logging names the protocol from it, `deadline()` picks its
 * header by it). The node transport sets the same values again.
 */
export function protocolHeader(
  protocol: ClientProtocol,
  method: DescMethod,
  binary: boolean,
  user: HeadersInit | undefined,
): Headers {
  switch (protocol) {
    case "connect":
      return connectHeader(method.methodKind, binary, undefined, user, false);
    case "grpc-web":
      return grpcWebHeader(binary, undefined, user, false);
    case "grpc":
      return grpcHeader(binary, undefined, user);
  }
}

/** A transport to one node and how to release what it holds. */
export interface NodeTransport {
  /** Calls the node; carries no interceptors (the client runs the middleware itself). */
  readonly transport: Transport;
  /** Closes the node's connections (HTTP/2 sessions); fetch pools need nothing. */
  close(): void;
}

/** What building a node transport needs. */
export interface NodeTransportOptions {
  /** The wire protocol. */
  readonly protocol: ClientProtocol;
  /** Protobuf binary (true) or JSON bodies. */
  readonly binary: boolean;
  /** The fetch used by Connect and gRPC-Web. */
  readonly fetch?: FetchLike;
  /** How long an idle HTTP/2 connection is kept, in ms. */
  readonly idleConnectionTimeoutMs: number;
}

type ConnectNode = typeof import("@connectrpc/connect-node");
let connectNode: Promise<ConnectNode> | undefined;

/**
 * Starts loading connect-node (once). The import runs outside any request scope: under Deno, a
 * dynamic import started inside an AsyncLocalStorage scope leaks that scope — and with it a
 * call's deadline — into unrelated work that runs later.
 */
export function loadConnectNode(): Promise<ConnectNode> {
  connectNode ??= runWithValues(
    undefined as unknown as ContextValues,
    () => import("@connectrpc/connect-node"),
  ).catch((error) => {
    connectNode = undefined;
    throw new Error(
      'client: protocol "grpc" needs node:http2 (Node, Deno, Bun); use "connect" or ' +
        '"grpc-web" on this runtime',
      { cause: error },
    );
  });
  return connectNode;
}

/** Builds the transport that calls `baseUrl` (`http(s)://host:port[/prefix]`). */
export async function nodeTransport(
  baseUrl: string,
  options: NodeTransportOptions,
): Promise<NodeTransport> {
  const useBinaryFormat = options.binary;
  if (options.protocol !== "grpc") {
    const fetch = guardFetch(
      (options.fetch ??
        ((input, init) => globalThis.fetch(input, init))) as typeof globalThis.fetch,
      baseUrl,
    );
    const create = options.protocol === "connect" ? createConnectTransport : createGrpcWebTransport;
    return { transport: create({ baseUrl, useBinaryFormat, fetch }), close() {} };
  }
  const mod = await loadConnectNode();
  const sessionManager = new mod.Http2SessionManager(baseUrl, {
    idleConnectionTimeoutMs: options.idleConnectionTimeoutMs,
  });
  return {
    transport: mod.createGrpcTransport({ baseUrl, useBinaryFormat, sessionManager }),
    close: () => sessionManager.abort(),
  };
}
