// One echo instance as its own process, registered in etcd through the member at ETCD with
// lease TTL seconds, so a chaos test can SIGKILL it (no deregister). Prints
// "instance <name> serving <http> <grpc>" once registered.
import process from "node:process";
import { etcd } from "../../../registry/mod.ts";
import { startEcho } from "../../support/client.ts";

const [name, service, endpoint, ttl] = process.argv.slice(2);
const registrar = etcd({
  endpoint,
  ttlMs: Number(ttl) * 1000,
  backoff: { initialMs: 100 },
  timeoutMs: 1_000,
});
const echo = await startEcho(name, { registrar, service });
console.log(`instance ${name} serving ${echo.http} ${echo.grpc}`);
