// A real etcd for tests: own temp data dir, non-default loopback ports, restartable on the same
// ports and data to test recovery. Two servers: Debian's etcd-server (3.4) and etcd 3.6 built
// from the Go module proxy by tools/setup.sh (Go Kratos's etcd client needs ≥ 3.5); suites that
// must hold on both loop over `etcdVersions`.
import { Child, freePort, run } from "./process.ts";
import { root } from "./tools.ts";

/** One etcd build the suites run against. */
export interface EtcdVersion {
  /** Major.minor, e.g. `3.6`; also what `etcd --version` must report. */
  readonly version: string;
  /** The binary. */
  readonly binary: string;
}

/** Debian's etcd-server (on PATH). */
export const ETCD_34: EtcdVersion = { version: "3.4", binary: "etcd" };
/** etcd built from go.etcd.io/etcd/server/v3 by tools/setup.sh. */
export const ETCD_36: EtcdVersion = { version: "3.6", binary: `${root}tools/go/bin/etcd` };
/** Every etcd the registry and config suites run against. */
export const etcdVersions: readonly EtcdVersion[] = [ETCD_34, ETCD_36];

const checked = new Map<string, Promise<void>>();

// A missing or wrong binary fails the test that wanted it, naming the fix (no silent skip).
function checkVersion(etcd: EtcdVersion): Promise<void> {
  let done = checked.get(etcd.binary);
  if (done === undefined) {
    done = run(etcd.binary, ["--version"], { timeoutMs: 10_000 }).then(
      ({ stdout }) => {
        const got = stdout.match(/etcd Version: (\S+)/)?.[1] ?? "nothing";
        if (!got.startsWith(`${etcd.version}.`)) {
          throw new Error(`${etcd.binary} is etcd ${got}, want ${etcd.version}.x`);
        }
      },
      (error) => {
        throw new Error(
          `etcd ${etcd.version} (${etcd.binary}) cannot run: ${error.message}; ` +
            "run sh tools/setup.sh",
        );
      },
    );
    checked.set(etcd.binary, done);
  }
  return done;
}

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

/** Starts etcd (Debian's 3.4 unless told) and waits (bounded) until `/health` answers. */
export async function startEtcd(etcd: EtcdVersion = ETCD_34): Promise<Etcd> {
  await checkVersion(etcd);
  const dir = await Deno.makeTempDir({ prefix: "atreus-etcd-" });
  const clientPort = freePort();
  const peerPort = freePort();
  const endpoint = `http://127.0.0.1:${clientPort}`;
  let child: Child | undefined;
  const start = async () => {
    child = new Child(`etcd ${etcd.version}`, etcd.binary, [
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

/** Registers `fn` once per etcd in `etcdVersions`, named `etcd <version>: <name>`. */
export function etcdTest(name: string, fn: (etcd: EtcdVersion) => Promise<void>): void {
  for (const etcd of etcdVersions) Deno.test(`etcd ${etcd.version}: ${name}`, () => fn(etcd));
}
