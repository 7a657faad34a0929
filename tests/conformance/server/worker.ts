// The server under test on workerd: the ConformanceService on createHttpServer, exported as a
// Workers fetch handler (Connect and gRPC-Web over HTTP/1.1). workerd.ts starts workerd with
// this bundle and hands the runner's settings over as text bindings.
import { App, type WorkerHandler } from "../../../mod.ts";
import { brotli, createHttpServer, deflate, gzip } from "../../../transport/mod.ts";
import { ConformanceService } from "../gen/connectrpc/conformance/v1/service_pb.ts";
import { conformanceService, requestTypes } from "./service.ts";

/** The bindings workerd.ts sets. */
interface Env {
  /** The runner's message_receive_limit ("0": none asked). */
  readonly READ_MAX_BYTES?: string;
  /** `"false"` serves every unary call through Connect-ES. */
  readonly FAST_PATH?: string;
}

let handler: WorkerHandler | undefined;

// Built on the first request: bindings arrive with it, and Workers forbid the randomness App
// needs (its instance id) at module scope.
function handlerFor(env: Env): WorkerHandler {
  const limit = Number(env.READ_MAX_BYTES ?? "0");
  const server = createHttpServer({
    services: [[ConformanceService, conformanceService()]],
    compression: [gzip, brotli, deflate],
    fastPath: env.FAST_PATH !== "false",
    readMaxBytes: limit > 0 ? limit : undefined,
    jsonTypes: requestTypes,
    timeoutMs: 0,
    rest: false,
    reflection: false,
    health: false,
  });
  return new App({ name: "conformance", servers: [server] }).toWorker();
}

export default {
  fetch(request: Request, env: Env, ctx: unknown): Promise<Response> {
    handler ??= handlerFor(env);
    return handler.fetch(request, env, ctx);
  },
};
