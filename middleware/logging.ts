// Kratos's logging middleware: one line per call, on servers and clients — kind, component,
// operation, args (only through a redaction hook), code, reason, latency. Streams are logged
// once, when they end.
import { Code, ConnectError } from "@connectrpc/connect";
import { fromError, GrpcCode } from "../errors/mod.ts";
import { getLogger, type Level, logGenerated, type Logger } from "../log/mod.ts";
import type { CallRequest, Middleware, ProtoMessage } from "../internal/contract.ts";
import { kindOf, serverTransportKey, type TransportInfo } from "../internal/transport_info.ts";
import { operation } from "./chain.ts";
import { endCode, observeCall } from "./call_outcome.ts";

// What a stream whose reader let go (or whose call was aborted) is logged with.
const abandonedStream = new ConnectError("the stream was abandoned before its end", Code.Canceled);

/** Options of the logging middleware. */
export interface LoggingOptions {
  /**
   * Renders the request message for the `args` field. By default only the message type is
   * logged: message contents may hold secrets, so logging them is an explicit choice.
   */
  readonly args?: (message: ProtoMessage, req: CallRequest) => unknown;
}

/** Server-side logging: `kind=server component=<grpc|grpc-web|connect|http>`. */
export function server(logger: Logger = getLogger(), options: LoggingOptions = {}): Middleware {
  return logging("server", logger, options);
}

/** Client-side logging: `kind=client component=<protocol>`. */
export function client(logger: Logger = getLogger(), options: LoggingOptions = {}): Middleware {
  return logging("client", logger, options);
}

function logging(side: "server" | "client", logger: Logger, options: LoggingOptions): Middleware {
  const args = options.args ?? ((m: ProtoMessage) => m.$typeName);
  // One function per middleware, not a closure per call: this runs on every request.
  const write = (
    req: CallRequest,
    info: TransportInfo | undefined,
    start: number,
    error: unknown,
    messages?: number,
  ) => {
    const e = error === undefined ? undefined : fromError(error);
    const level: Level = e === undefined ? "info" : e.code >= 500 ? "error" : "warn";
    if (logger.enabled?.(level) === false) return;
    const component = side === "server"
      ? info?.kind ?? "connect"
      : kindOf(req.header.get("content-type"));
    const kv: unknown[] = [
      "kind",
      side,
      "component",
      component,
      "operation",
      info?.operation ?? operation(req),
      "args",
      req.stream ? "stream" : args(req.message, req),
      "code",
      e?.code ?? 0,
      "reason",
      e?.reason ?? "",
      "latency",
      Math.round((performance.now() - start) * 1000) / 1e6,
    ];
    if (messages !== undefined) kv.push("messages", messages);
    if (e !== undefined) kv.push("error", e.message);
    logGenerated(logger, level, kv);
  };
  return (next) => (req) => {
    const start = performance.now();
    // Read now: the transport clears its per-call entries once a unary call returns.
    const info = side === "server" ? req.contextValues.get(serverTransportKey) : undefined;
    return observeCall(next, req, (error, abandoned, messages) =>
      write(
        req,
        info,
        start,
        abandoned && (error === undefined || endCode(error, true) === GrpcCode.Canceled)
          ? abandonedStream
          : error,
        messages,
      ));
  };
}
