// Two instances behind discovery:///, one stopped gracefully mid-load: with retry() and the
// server's drain (deregister first, refuse new calls with Unavailable, finish in-flight ones),
// no call fails. Discovery is slowed down so calls keep reaching the stopping instance after it
// deregistered — the case retries exist for.
import assert from "node:assert/strict";
import { memory } from "../../registry/mod.ts";
import { delayedDiscovery } from "../support/discovery.ts";
import { retry } from "../../middleware/mod.ts";
import type { Middleware } from "../../transport/mod.ts";
import { type ClientProtocol, createClient } from "../../transport/client/mod.ts";
import { Echo } from "./proto/gen/fixture/client/v1/echo_pb.ts";
import { startEcho, until } from "../support/client.ts";

const PROPAGATION_MS = 150;
const WORKERS = 8;

for (const protocol of ["connect", "grpc"] as ClientProtocol[]) {
  Deno.test(`${protocol}: stopping one of two instances mid-load fails no call`, async () => {
    const registry = memory();
    let aInFlight = 0;
    let aInFlightAtStop = -1;
    const a = await startEcho("a", {
      registrar: registry,
      // Slow enough that calls are in flight on a when it starts draining.
      delay: async () => {
        aInFlight++;
        await new Promise((r) => setTimeout(r, 10));
        aInFlight--;
      },
    });
    const b = await startEcho("b", { registrar: registry });
    let attempts = 0;
    const countAttempts: Middleware = (next) => (req) => {
      attempts++;
      return next(req);
    };
    const client = createClient(Echo, {
      endpoint: "discovery:///echo",
      discovery: delayedDiscovery(registry, PROPAGATION_MS),
      protocol,
      middleware: [retry({ maxAttempts: 3 }), countAttempts],
    });
    let calls = 0;
    const failures: unknown[] = [];
    let running = true;
    const workers = Array.from({ length: WORKERS }, async () => {
      while (running) {
        calls++;
        try {
          await client.get({ text: "load" });
        } catch (error) {
          failures.push(error);
        }
      }
    });
    try {
      await until(() => a.total() >= 50 && b.total() >= 50, 10_000, "load reached both");
      await until(() => aInFlight > 0, 5_000, "a call in flight on a");
      aInFlightAtStop = aInFlight;
      const stopped = a.stop();
      await stopped;
      const servedByA = a.total();
      const bAtStop = b.total();
      // Keep the load on until b served plenty after a was gone.
      await until(() => b.total() >= bAtStop + 300, 10_000, "load continued on b");
      running = false;
      await Promise.all(workers);
      const retries = attempts - calls;
      console.log(
        `${protocol}: ${calls} calls, ${failures.length} failed, ${retries} retried; ` +
          `a served ${servedByA} (${aInFlightAtStop} in flight at stop), b ${b.total()}`,
      );
      assert.ok(aInFlightAtStop > 0);
      assert.deepEqual(failures.map(String), []);
      assert.equal(a.total(), servedByA, "a served calls after it stopped");
      assert.ok(retries > 0, "no call reached the stopping instance: the test proved nothing");
    } finally {
      running = false;
      await Promise.all(workers);
      await client.close();
      await a.stop();
      await b.stop();
      await registry.close();
    }
  });
}
