// Scenario 4, lifecycle, for Kratos v2 and v3: a Go instance killed with SIGKILL leaves an Atreus
// client's picks once etcd expires its lease (Kratos's registrar never deregisters it); a Go
// instance stopped with SIGTERM under load costs an Atreus client with retry() no call; an
// Atreus instance (a separate process) stopped with SIGTERM leaves a Go Kratos client's picks
// without failing any of its calls.
import assert from "node:assert/strict";
import { retry } from "../../../middleware/mod.ts";
import { etcd } from "../../../registry/mod.ts";
import type { Middleware } from "../../../transport/mod.ts";
import { createClient } from "../../../transport/client/mod.ts";
import { ETCD_36, startEtcd } from "../../support/etcd.ts";
import { delayedDiscovery } from "../../support/discovery.ts";
import { Child } from "../../support/process.ts";
import { root } from "../../support/tools.ts";
import { eventually } from "../../support/wait.ts";
import { startAtreus } from "./atreus_peer.ts";
import { Greeter } from "./gen/interop/v1/greeter_pb.ts";
import { majors, startGoClient, startGoServer } from "./go_peers.ts";

const TTL = 3;
// How late the Atreus client learns of a deregistration in the SIGTERM test: long enough that
// calls are still picked for the Go instance after it closed its listener.
const PROPAGATION_MS = 150;
const WORKERS = 8;
// Calls the surviving instance must serve after the other exited, so picks made from a list
// that still held the stopped instance are over.
const AFTER_EXIT = 300;

/** Who served how many calls, and what failed. */
class Tally {
  readonly served = new Map<string, number>();
  readonly failures: string[] = [];
  calls = 0;

  /** Calls `server` answered. */
  of(server: string): number {
    return this.served.get(server) ?? 0;
  }

  add(server: string): void {
    this.served.set(server, this.of(server) + 1);
  }

  /** Waits (bounded) until `server` answered `n` calls. */
  reach(server: string, n: number, what: string): Promise<void> {
    return eventually(() => Promise.resolve(this.of(server) >= n), 20_000, what, 5);
  }
}

/** Runs `call` in `WORKERS` loops until `stop()`; a loop never outlives the test. */
function load(call: () => Promise<void>) {
  let running = true;
  const loops = Array.from({ length: WORKERS }, async () => {
    while (running) await call();
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

for (const major of majors) {
  Deno.test(`kratos ${major}: a SIGKILLed Go instance leaves Atreus's picks within its lease TTL`, async () => {
    const server = await startEtcd(ETCD_36);
    const registry = etcd({ endpoint: server.endpoint });
    const o = { etcd: server.endpoint, name: "go-life", ttl: TTL };
    const a = await startGoServer(major, { ...o, id: "go-a" });
    const b = await startGoServer(major, { ...o, id: "go-b" });
    const client = createClient(Greeter, {
      endpoint: "discovery:///go-life",
      discovery: registry,
      protocol: "grpc",
    });
    try {
      const seen = new Set<string>();
      await eventually(
        async () => {
          seen.add((await client.sayHello({ name: "x" })).server);
          return seen.size === 2;
        },
        5_000,
        "both instances picked",
      );
      a.child.kill("SIGKILL");
      const killed = Date.now();
      await eventually(
        async () => (await registry.getService("go-life")).every((i) => i.id !== "go-a"),
        TTL * 1000 + 2_000,
        "the killed instance's lease expires",
      );
      const gone = Date.now() - killed;
      console.log(`SIGKILLed Kratos ${major} instance left etcd after ${gone} ms (TTL ${TTL} s)`);
      for (let i = 0; i < 20; i++) {
        assert.equal((await client.sayHello({ name: "x" })).server, "go-b");
      }
    } finally {
      await client.close();
      await b.child.close();
      await a.child.close();
      await registry.close();
      await server.close();
    }
  });

  Deno.test(`kratos ${major}: a Go instance stopped with SIGTERM under load fails no Atreus call with retry()`, async () => {
    const server = await startEtcd(ETCD_36);
    const registry = etcd({ endpoint: server.endpoint });
    const o = { etcd: server.endpoint, name: "go-drain" };
    const a = await startGoServer(major, { ...o, id: "go-a" });
    const b = await startGoServer(major, { ...o, id: "go-b" });
    let attempts = 0;
    const countAttempts: Middleware = (next) => (req) => {
      attempts++;
      return next(req);
    };
    const client = createClient(Greeter, {
      endpoint: "discovery:///go-drain",
      discovery: delayedDiscovery(registry, PROPAGATION_MS),
      protocol: "grpc",
      middleware: [retry(), countAttempts],
    });
    const tally = new Tally();
    const loops = load(async () => {
      tally.calls++;
      try {
        tally.add((await client.sayHello({ name: "load" })).server);
      } catch (error) {
        tally.failures.push(String(error));
      }
    });
    try {
      await tally.reach("go-a", 100, "load reached go-a");
      await tally.reach("go-b", 100, "load reached go-b");
      const termAt = performance.now();
      a.child.kill("SIGTERM");
      const status = await a.child.exited(15_000);
      const exitMs = Math.round(performance.now() - termAt);
      const byA = tally.of("go-a");
      await tally.reach("go-b", tally.of("go-b") + AFTER_EXIT, "load went on on go-b");
      await loops.stop();
      console.log(
        `Kratos ${major} SIGTERM under load: ${tally.calls} calls, ${tally.failures.length} ` +
          `failed, ${attempts - tally.calls} retried; go-a served ${byA} and exited ` +
          `${exitMs} ms after SIGTERM (code ${status.code}), go-b ${tally.of("go-b")}`,
      );
      assert.equal(status.code, 0, a.child.output);
      assert.deepEqual(tally.failures, []);
      assert.equal(tally.of("go-a"), byA, "go-a answered after it exited");
      assert.ok(attempts > tally.calls, "no call reached the stopped instance: nothing was proved");
    } finally {
      await loops.stop();
      await client.close();
      await b.child.close();
      await a.child.close();
      await registry.close();
      await server.close();
    }
  });

  Deno.test(`kratos ${major}: an Atreus instance stopped with SIGTERM leaves the Go client's picks, no call failing`, async () => {
    const server = await startEtcd(ETCD_36);
    const o = { etcd: server.endpoint, name: "ts-drain" };
    const b = await startAtreus({ ...o, id: "ts-b" });
    const a = new Child("atreus ts-a", Deno.execPath(), [
      "run",
      "-A",
      "--frozen",
      `${root}tests/interop/kratos/atreus_peer.ts`,
      "--etcd",
      server.endpoint,
      "--name",
      o.name,
      "--id",
      "ts-a",
      // Slower than deregistration, so calls are still in flight on ts-a when its servers
      // start draining.
      "--delay-ms",
      "250",
    ]);
    const go = await startGoClient(major, server.endpoint);
    const tally = new Tally();
    const loops = load(async () => {
      tally.calls++;
      const result = await go.call({
        target: "discovery:///ts-drain",
        transport: "grpc",
        method: "SayHello",
        request: { name: "load" },
      });
      if (result.error !== undefined) tally.failures.push(JSON.stringify(result.error));
      else tally.add(String(result.reply?.server));
    });
    try {
      await a.waitFor(/^READY /, 30_000);
      await tally.reach("ts-a", 20, "load reached ts-a");
      await tally.reach("ts-b", 100, "load reached ts-b");
      const termAt = performance.now();
      a.kill("SIGTERM");
      const status = await a.exited(15_000);
      const exitMs = Math.round(performance.now() - termAt);
      const byA = tally.of("ts-a");
      await tally.reach("ts-b", tally.of("ts-b") + AFTER_EXIT, "load went on on ts-b");
      await loops.stop();
      console.log(
        `Atreus SIGTERM, Kratos ${major} client: ${tally.calls} calls, ${tally.failures.length} ` +
          `failed; ts-a served ${byA} and exited ${exitMs} ms after SIGTERM (code ` +
          `${status.code}), ts-b ${tally.of("ts-b")}`,
      );
      assert.equal(status.code, 0, a.output);
      assert.deepEqual(tally.failures, []);
      assert.equal(tally.of("ts-a"), byA, "ts-a answered after it exited");
    } finally {
      await loops.stop();
      await go.close();
      await a.close();
      await b.stop();
      await server.close();
    }
  });
}
