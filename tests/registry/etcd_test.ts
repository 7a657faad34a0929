// The etcd adapter against a real etcd (started per test on free loopback ports), on Debian's
// etcd 3.4 and on etcd 3.6: the conformance suite, then Kratos interop and self-healing.
import { etcd } from "../../registry/mod.ts";
import { etcdVersions, startEtcd } from "../support/etcd.ts";
import { runConformance } from "./conformance.ts";

const TTL = 2;

for (const version of etcdVersions) {
  runConformance({
    name: `etcd ${version.version}`,
    changeMs: 2_000,
    // Lease expiry is enforced by etcd within about TTL + 0.5 s (measured in registry.md).
    expiryMs: TTL * 1000 + 4_000,
    recoveryMs: 10_000,
    async start() {
      const server = await startEtcd(version);
      return {
        registry: (onEvent) =>
          etcd({
            endpoint: server.endpoint,
            ttl: TTL,
            retryInitialMs: 100,
            timeoutMs: 1_000,
            onEvent,
          }),
        async restart() {
          await server.stop();
          await server.start();
        },
        close: () => server.close(),
      };
    },
  });
}
