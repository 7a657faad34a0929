// A real etcd cluster for chaos tests: `size` members on loopback, each with its own data dir
// and ports, that can be SIGKILLed and restarted on the same data; the leader found by asking
// every member's status.
import { Child, freePort } from "./process.ts";
import { ETCD_36, type EtcdVersion } from "./etcd.ts";

/** One member of a {@linkcode EtcdCluster}. */
export interface EtcdMember {
  /** Member name (`m0`, `m1`…). */
  readonly name: string;
  /** Client URL. */
  readonly endpoint: string;
  /** True while its process runs. */
  readonly running: boolean;
  /** SIGKILLs the process (no shutdown, no goodbye to the peers). */
  kill(): Promise<void>;
  /** Starts it again on the same ports and data; resolves once it is healthy. */
  start(): Promise<void>;
}

/** A running cluster. */
export interface EtcdCluster {
  /** Its members. */
  readonly members: readonly EtcdMember[];
  /** The member that leads now, asked of the running members (bounded). */
  leader(timeoutMs?: number): Promise<EtcdMember>;
  /** Kills every member and removes the data. */
  close(): Promise<void>;
}

async function healthy(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
    return res.ok && (await res.text()).includes('"true"');
  } catch {
    return false;
  }
}

async function status(endpoint: string): Promise<{ member: string; leader: string } | undefined> {
  try {
    const res = await fetch(`${endpoint}/v3/maintenance/status`, {
      method: "POST",
      body: "{}",
      signal: AbortSignal.timeout(1000),
    });
    const json = await res.json();
    if (!json.leader || json.leader === "0") return undefined;
    return { member: json.header.member_id, leader: json.leader };
  } catch {
    return undefined;
  }
}

async function poll<T>(probe: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`etcd cluster: ${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts a `size`-member cluster (etcd 3.6 unless told) and waits until every member is healthy. */
export async function startEtcdCluster(
  size = 3,
  etcd: EtcdVersion = ETCD_36,
): Promise<EtcdCluster> {
  const root = await Deno.makeTempDir({ prefix: "atreus-etcd-cluster-" });
  const specs = Array.from({ length: size }, (_, i) => ({
    name: `m${i}`,
    client: `http://127.0.0.1:${freePort()}`,
    peer: `http://127.0.0.1:${freePort()}`,
  }));
  const initial = specs.map((s) => `${s.name}=${s.peer}`).join(",");
  const token = `atreus-${crypto.randomUUID().slice(0, 8)}`;
  const members = specs.map((spec) => {
    let child: Child | undefined;
    const member: EtcdMember = {
      name: spec.name,
      endpoint: spec.client,
      get running() {
        return child !== undefined && child.exitCode === undefined;
      },
      async kill() {
        child?.kill("SIGKILL");
        await child?.exited(10_000);
        child = undefined;
      },
      async start() {
        child = new Child(`etcd ${spec.name}`, etcd.binary, [
          "--name",
          spec.name,
          "--data-dir",
          `${root}/${spec.name}`,
          "--listen-client-urls",
          spec.client,
          "--advertise-client-urls",
          spec.client,
          "--listen-peer-urls",
          spec.peer,
          "--initial-advertise-peer-urls",
          spec.peer,
          "--initial-cluster",
          initial,
          "--initial-cluster-token",
          token,
          "--initial-cluster-state",
          "new",
          "--log-level",
          "error",
        ]);
        const started = child;
        await poll(
          async () => (await healthy(spec.client)) || started.exitCode !== undefined || undefined,
          30_000,
          `${spec.name} did not become healthy`,
        );
        if (started.exitCode !== undefined) {
          throw new Error(`etcd ${spec.name} exited\n${started.output}`);
        }
      },
    };
    return member;
  });
  // Members wait for a quorum before they report healthy, so they start together.
  await Promise.all(members.map((m) => m.start()));
  return {
    members,
    async leader(timeoutMs = 15_000) {
      return await poll(
        async () => {
          for (const m of members.filter((m) => m.running)) {
            const s = await status(m.endpoint);
            if (s && s.member === s.leader) return m;
          }
          return undefined;
        },
        timeoutMs,
        "no leader elected",
      );
    },
    async close() {
      await Promise.all(members.map((m) => m.kill()));
      await Deno.remove(root, { recursive: true }).catch(() => {});
    },
  };
}
