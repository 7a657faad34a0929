// A real etcd (Debian etcd-server) for tests: own temp data dir, non-default loopback ports,
// restartable on the same ports and data to test recovery.
import { Child, freePort } from "./process.ts";

/** A running etcd started by a test. */
export interface Etcd {
  /** Client URL, e.g. `http://127.0.0.1:23791`. */
  readonly endpoint: string;
  /** Stops the server (data is kept for `start`). */
  stop(): Promise<void>;
  /** Starts it again on the same ports and data. */
  start(): Promise<void>;
  /** Stops it and removes its data. */
  close(): Promise<void>;
}

/** Starts etcd and waits (bounded) until `/health` answers. */
export async function startEtcd(): Promise<Etcd> {
  const dir = await Deno.makeTempDir({ prefix: "atreus-etcd-" });
  const clientPort = freePort();
  const peerPort = freePort();
  const endpoint = `http://127.0.0.1:${clientPort}`;
  let child: Child | undefined;
  const start = async () => {
    child = new Child("etcd", "etcd", [
      "--name",
      "test",
      "--data-dir",
      dir,
      "--listen-client-urls",
      endpoint,
      "--advertise-client-urls",
      endpoint,
      "--listen-peer-urls",
      `http://127.0.0.1:${peerPort}`,
      "--initial-advertise-peer-urls",
      `http://127.0.0.1:${peerPort}`,
      "--initial-cluster",
      `test=http://127.0.0.1:${peerPort}`,
      "--log-level",
      "error",
    ]);
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
        const body = await res.text();
        if (res.ok && body.includes("true")) return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`etcd did not become healthy\n${child.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await start();
  return {
    endpoint,
    start,
    async stop() {
      await child?.close();
      child = undefined;
    },
    async close() {
      await child?.close();
      child = undefined;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
