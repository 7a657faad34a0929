// One soak instance: helloworld's Greeter on HTTP and gRPC, registered in etcd (lease TTL 5 s),
// every call logged through the buffered log writer to stdout (a pipe the soak drains to a
// file). Prints "soak instance <id> serving" on stderr, then a stats line every 2 s
// (`stats {"rss":…,"fds":…,"log":{written,dropped,failed,pending}}`) and a last one on
// SIGTERM, after the app stopped (deregistered, drained).
import { App } from "../../mod.ts";
import { createLogger } from "../../log/mod.ts";
import { logging } from "../../middleware/mod.ts";
import { etcd } from "../../registry/mod.ts";
import { createGrpcServer, createHttpServer } from "../../transport/mod.ts";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { GreeterService } from "../../examples/helloworld/internal/service/greeter.ts";

const [id, endpoint] = Deno.args;
const logger = createLogger({ sink: "stdout" });
const services = [[Greeter, new GreeterService()]] as const;
const middleware = [logging.server(logger)];
const http = createHttpServer({ address: "127.0.0.1:0", services, middleware });
const grpc = createGrpcServer({ address: "127.0.0.1:0", services, middleware });
const app = new App({
  id,
  name: "soak",
  version: "v1",
  servers: [http, grpc],
  registrar: etcd({ endpoint, ttlMs: 5_000, backoff: { initialMs: 100 }, timeoutMs: 1_000 }),
  logger,
  stopTimeoutMs: 10_000,
  afterStart: () => console.error(`soak instance ${id} serving`),
});

function stats(): string {
  const fds = [...Deno.readDirSync("/proc/self/fd")].length;
  return `stats ${JSON.stringify({ rss: Deno.memoryUsage().rss, fds, log: logger.stats() })}`;
}
const timer = setInterval(() => console.error(stats()), 2_000);
await app.run();
clearInterval(timer);
await logger.flush?.();
console.error(stats());
