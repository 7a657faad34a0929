// Registry chaos on a real 3-member etcd 3.6 cluster on loopback. Two echo instances, each its
// own process, register through a follower; two clients discover them — one through a
// follower, one through the leader — and call with retry() under load while:
//   1. the leader is SIGKILLed: the registrations stay alive (a new leader takes the leases),
//      both clients keep the last good list, and no call fails;
//   2. it is restarted: the watch on it resumes (a third instance registered elsewhere shows
//      up in the picks of the client that discovers through it);
//   3. an instance process is SIGKILLed (no deregister): it leaves every client's picks within
//      its lease TTL, and still no call fails.
// Every wait is bounded; the windows under load are durations of the scenario, not sync.
// The adapter talks to one member (its `endpoint`), so its registrars sit on followers: a
// registrar whose only member dies cannot renew its lease (see registry/README.md).
import assert from "node:assert/strict";
import { etcd, type Registry, type Watcher } from "../../registry/mod.ts";
import { retry } from "../../middleware/mod.ts";
import { createClient } from "../../transport/client/mod.ts";
import { Echo } from "../client/proto/gen/fixture/client/v1/echo_pb.ts";
import { startEcho } from "../support/client.ts";
import { startEtcdCluster } from "../support/etcd_cluster.ts";
import { Child } from "../support/process.ts";
import { root } from "../support/tools.ts";
import { watchUntil } from "../support/wait.ts";

const TTL = 3; // seconds; etcd's default election timeout is 1 s
const SERVICE = `chaos-${crypto.randomUUID().slice(0, 8)}`;
const LOAD_LOOPS = 4;

function instance(name: string, endpoint: string): Child {
  return new Child(`instance ${name}`, Deno.execPath(), [
    "run",
    "-A",
    `${root}tests/registry/chaos/instance.ts`,
    name,
    SERVICE,
    endpoint,
    String(TTL),
  ], { cwd: root });
}

/** Calls in loops until stopped, counting calls and failures and which server answered. */
function load(clients: Record<string, ReturnType<typeof createClient<typeof Echo>>>) {
  let stopped = false;
  const calls = { made: 0, failed: 0, errors: [] as string[] };
  const seen: Record<string, { server: string; at: number }[]> = {};
  const loops = Object.entries(clients).flatMap(([label, client]) => {
    seen[label] = [];
    return Array.from({ length: LOAD_LOOPS / 2 }, async () => {
      while (!stopped) {
        calls.made++;
        try {
          const reply = await client.get({ text: "x" }, { timeoutMs: 5_000 });
          seen[label].push({ server: reply.server, at: Date.now() });
        } catch (e) {
          calls.failed++;
          calls.errors.push(`${label}: ${e}`);
        }
      }
    });
  });
  return {
    calls,
    /** Servers `label` was answered by since `since`. */
    servers(label: string, since: number): Set<string> {
      return new Set(seen[label].filter((s) => s.at >= since).map((s) => s.server));
    },
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/** Resolves when `probe()` holds, checked every 20 ms; fails after `ms` naming `what`. */
async function until(probe: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`${what}: not true within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Lets the load run for `ms` (the scenario's window; the assertions come after). */
function window(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

Deno.test("etcd cluster chaos: leader killed and restarted, an instance SIGKILLed, no call fails", async (t) => {
  const cluster = await startEtcdCluster(3);
  const children: Child[] = [];
  const registries: Registry[] = [];
  const watchers: Watcher[] = [];
  let third: Awaited<ReturnType<typeof startEcho>> | undefined;
  let running: ReturnType<typeof load> | undefined;
  const clients: ReturnType<typeof createClient<typeof Echo>>[] = [];
  try {
    const leader = await cluster.leader();
    const [f1, f2] = cluster.members.filter((m) => m !== leader);
    const a = instance("a", f1.endpoint);
    const b = instance("b", f2.endpoint);
    children.push(a, b);
    await Promise.all([a.waitFor(/serving/, 30_000), b.waitFor(/serving/, 30_000)]);

    const discovery = (endpoint: string) => {
      const r = etcd({
        endpoint,
        ttlMs: TTL * 1000,
        backoff: { initialMs: 100 },
        timeoutMs: 1_000,
        onEvent() {},
      });
      registries.push(r);
      return r;
    };
    const viaFollower = discovery(f1.endpoint);
    const viaLeader = discovery(leader.endpoint);
    const middleware = [retry({ maxAttempts: 4, budget: false })];
    const follower = createClient(Echo, {
      endpoint: `discovery:///${SERVICE}`,
      discovery: viaFollower,
      middleware,
    });
    const onLeader = createClient(Echo, {
      endpoint: `discovery:///${SERVICE}`,
      discovery: viaLeader,
      middleware,
    });
    clients.push(follower, onLeader);
    // Watchers of our own on the same two members, to time what the clients see.
    watchers.push(await viaFollower.watch(SERVICE), await viaLeader.watch(SERVICE));
    running = load({ follower, onLeader });
    const both = () => ["follower", "onLeader"].every((c) => running!.servers(c, 0).size === 2);
    await until(both, 15_000, "both clients reach both instances");

    await t.step(
      "kill the leader under load: keys stay alive, lists stay, no call fails",
      async () => {
        const before = running!.calls.made;
        await leader.kill();
        const killedAt = Date.now();
        const next = await cluster.leader();
        assert.notEqual(next, leader);
        // Past two lease TTLs: a lease that was not renewed would have expired by now.
        await window(2 * TTL * 1000 + 500);
        const keys = await viaFollower.getService(SERVICE);
        assert.deepEqual(keys.map((i) => i.id).sort(), ["a", "b"], "registrations expired");
        for (const c of ["follower", "onLeader"]) {
          assert.deepEqual([...running!.servers(c, killedAt + TTL * 1000)].sort(), ["a", "b"], c);
        }
        assert.ok(running!.calls.made - before > 50, `only ${running!.calls.made - before} calls`);
        assert.equal(running!.calls.failed, 0, running!.calls.errors.slice(0, 5).join("\n"));
      },
    );

    await t.step("restart it: the watch on it resumes", async () => {
      await leader.start();
      third = await startEcho("c", { registrar: discovery(f2.endpoint), service: SERVICE });
      const since = Date.now();
      await watchUntil(
        watchers[1],
        (list) => list.some((i) => i.id === "c"),
        15_000,
        "the watcher on the restarted member sees c",
      );
      await until(() => running!.servers("onLeader", since).has("c"), 10_000, "onLeader picks c");
      assert.equal(running!.calls.failed, 0, running!.calls.errors.slice(0, 5).join("\n"));
    });

    await t.step("SIGKILL an instance: it leaves every client's picks within its TTL", async () => {
      b.kill("SIGKILL");
      await b.exited(10_000);
      const killedAt = Date.now();
      const gone = (w: Watcher, what: string) =>
        watchUntil(w, (list) => !list.some((i) => i.id === "b"), TTL * 1000 + 3_000, what)
          .then(() => Date.now() - killedAt);
      const [onFollowerMs, onLeaderMs] = await Promise.all([
        gone(watchers[0], "b leaves the follower's list"),
        gone(watchers[1], "b leaves the restarted member's list"),
      ]);
      console.log(`b left the lists ${onFollowerMs} ms and ${onLeaderMs} ms after SIGKILL`);
      const after = Date.now() + 200;
      await window(1_000);
      for (const c of ["follower", "onLeader"]) {
        const servers = running!.servers(c, after);
        assert.ok(!servers.has("b"), `${c} still picks b`);
        assert.deepEqual([...servers].sort(), ["a", "c"], c);
      }
      assert.equal(running!.calls.failed, 0, running!.calls.errors.slice(0, 5).join("\n"));
    });
    await running.stop();
    console.log(`chaos: ${running.calls.made} calls, ${running.calls.failed} failed`);
  } finally {
    await running?.stop();
    for (const c of clients) await c.close();
    for (const w of watchers) await w.stop().catch(() => {});
    await third?.stop();
    for (const r of registries) await r.close();
    for (const c of children) await c.close();
    await cluster.close();
  }
});
