// The soak (not CI): N minutes of load across 2 instances registered in a real etcd, with a
// rolling restart every minute (SIGTERM one instance — it deregisters and drains — then start
// its replacement; the two take turns). Reports calls made and failed, the client's RSS and
// open file descriptors after warm-up and at the end, each instance generation's RSS and fds
// at the end of its life, and the log writer's counters (lines written and dropped) summed
// over every instance. Exits non-zero if a call failed.
//
//   deno task soak [--minutes 10] [--restart-every 60] [--concurrency 8] [--out file.md]
import { parseArgs } from "node:util";
import { createClient } from "../transport/client/mod.ts";
import { retry } from "../middleware/mod.ts";
import { etcd } from "../registry/mod.ts";
import { Greeter } from "../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { ETCD_36, startEtcd } from "../tests/support/etcd.ts";

const { values: opts } = parseArgs({
  args: Deno.args,
  options: {
    minutes: { type: "string", default: "10" },
    "restart-every": { type: "string", default: "60" },
    concurrency: { type: "string", default: "8" },
    out: { type: "string" },
  },
});
const DURATION_MS = Number(opts.minutes) * 60_000;
const RESTART_MS = Number(opts["restart-every"]) * 1000;
const CONCURRENCY = Number(opts.concurrency);
const WARMUP_MS = Math.min(60_000, DURATION_MS / 5);
const INSTANCE = new URL("./soak/instance.ts", import.meta.url).pathname;

interface Stats {
  rss: number;
  fds: number;
  log: { written: number; dropped: number; failed: number; pending: number };
}

/** One instance process; its log lines (stdout) are drained to `<dir>/<id>.log`. */
class Instance {
  readonly id: string;
  readonly started = Date.now();
  last?: Stats;
  /** The first stats once it has served 10 s (its warm-up). */
  warm?: Stats;
  stopped?: number;
  readonly #child: Deno.ChildProcess;
  readonly #serving: Promise<void>;
  readonly #done: Promise<void>;

  constructor(id: string, endpoint: string, dir: string) {
    this.id = id;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", INSTANCE, id, endpoint],
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
    }).spawn();
    this.#child = child;
    const logs = Deno.open(`${dir}/${id}.log`, { write: true, create: true })
      .then((file) => child.stdout.pipeTo(file.writable));
    let serving!: () => void;
    this.#serving = new Promise((r) => (serving = r));
    const lines = (async () => {
      let buf = "";
      for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
        buf += chunk;
        let i;
        while ((i = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (line.includes("serving")) serving();
          else if (line.startsWith("stats ")) {
            this.last = JSON.parse(line.slice(6));
            if (!this.warm && Date.now() - this.started >= 10_000) this.warm = this.last;
          } else if (line.trim() !== "") console.error(`[${id}] ${line}`);
        }
      }
    })();
    this.#done = Promise.all([logs, lines, child.status]).then(() => {});
  }

  async ready(ms = 30_000): Promise<void> {
    await bounded(this.#serving, ms, `${this.id} did not start`);
  }

  async stop(ms = 30_000): Promise<void> {
    this.#child.kill("SIGTERM");
    await bounded(this.#done, ms, `${this.id} did not stop`);
    this.stopped = Date.now();
  }
}

async function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const selfStats = () => ({
  rss: Deno.memoryUsage().rss,
  fds: [...Deno.readDirSync("/proc/self/fd")].length,
});
const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
const pct = (a: number, b: number) => `${b >= a ? "+" : ""}${(((b - a) / a) * 100).toFixed(1)} %`;

const server = await startEtcd(ETCD_36);
const dir = await Deno.makeTempDir({ prefix: "atreus-soak-" });
const generation = { a: 1, b: 1 };
const live: Record<"a" | "b", Instance> = {
  a: new Instance("a-1", server.endpoint, dir),
  b: new Instance("b-1", server.endpoint, dir),
};
await Promise.all([live.a.ready(), live.b.ready()]);
const retired: Instance[] = [];

const discovery = etcd({ endpoint: server.endpoint, ttlMs: 5_000, onEvent() {} });
const client = createClient(Greeter, {
  endpoint: "discovery:///soak",
  discovery,
  middleware: [retry({ maxAttempts: 4 })],
});
const calls = { made: 0, failed: 0, errors: new Map<string, number>() };
const started = Date.now();
const until = started + DURATION_MS;
const loops = Array.from({ length: CONCURRENCY }, async () => {
  while (Date.now() < until) {
    calls.made++;
    try {
      await client.sayHello({ name: "soak" }, { timeoutMs: 10_000 });
    } catch (e) {
      calls.failed++;
      const key = String(e).slice(0, 160);
      calls.errors.set(key, (calls.errors.get(key) ?? 0) + 1);
    }
  }
});

const samples: { at: number; calls: number; rss: number; fds: number }[] = [];
const sampler = setInterval(() => {
  samples.push({ at: Date.now() - started, calls: calls.made, ...selfStats() });
}, 5_000);

let restarts = 0;
let turn: "a" | "b" = "a";
while (Date.now() + RESTART_MS < until) {
  await new Promise((r) => setTimeout(r, RESTART_MS));
  const old = live[turn];
  await old.stop();
  retired.push(old);
  generation[turn]++;
  live[turn] = new Instance(`${turn}-${generation[turn]}`, server.endpoint, dir);
  await live[turn].ready();
  restarts++;
  console.error(
    `${((Date.now() - started) / 1000).toFixed(0)} s: restarted ${old.id} as ${
      live[turn].id
    }; ${calls.made} calls, ${calls.failed} failed`,
  );
  turn = turn === "a" ? "b" : "a";
}
await Promise.all(loops);
clearInterval(sampler);
samples.push({ at: Date.now() - started, calls: calls.made, ...selfStats() });
await client.close();
await discovery.close();
for (const i of [live.a, live.b]) {
  await i.stop();
  retired.push(i);
}
await server.close();
await Deno.remove(dir, { recursive: true });

const warm = samples.find((s) => s.at >= WARMUP_MS) ?? samples[0];
const end = samples.at(-1)!;
const log = retired.reduce(
  (t, i) => ({
    written: t.written + (i.last?.log.written ?? 0),
    dropped: t.dropped + (i.last?.log.dropped ?? 0),
    failed: t.failed + (i.last?.log.failed ?? 0),
  }),
  { written: 0, dropped: 0, failed: 0 },
);
const seconds = (Date.now() - started) / 1000;
const report = [
  `Soak: ${
    (DURATION_MS / 60_000).toFixed(1)
  } min, ${CONCURRENCY} concurrent callers (Connect unary, retry()), 2 instances on etcd 3.6, ${restarts} rolling restarts (every ${
    RESTART_MS / 1000
  } s), ${new Date().toISOString()}`,
  "",
  "| calls | failed | calls/s | client RSS after warm-up → end | client fds after warm-up → end | log lines written | dropped | failed |",
  "|---:|---:|---:|---|---|---:|---:|---:|",
  `| ${calls.made} | ${calls.failed} | ${(calls.made / seconds).toFixed(0)} | ${mb(warm.rss)} → ${
    mb(end.rss)
  } MiB (${
    pct(warm.rss, end.rss)
  }) | ${warm.fds} → ${end.fds} | ${log.written} | ${log.dropped} | ${log.failed} |`,
  "",
  "| instance | lived s | RSS after 10 s → at exit MiB | fds after 10 s → at exit | log lines written | dropped |",
  "|---|---:|---|---|---:|---:|",
  ...retired.map((i) => {
    const lived = (((i.stopped ?? Date.now()) - i.started) / 1000).toFixed(0);
    const rss = i.warm && i.last ? `${mb(i.warm.rss)} → ${mb(i.last.rss)}` : "-";
    const fds = `${i.warm?.fds ?? "-"} → ${i.last?.fds ?? "-"}`;
    return `| ${i.id} | ${lived} | ${rss} | ${fds} | ${i.last?.log.written ?? "-"} | ${
      i.last?.log.dropped ?? "-"
    } |`;
  }),
  "",
  "client samples (s: calls, RSS MiB, fds): " +
  samples.map((s) => `${(s.at / 1000).toFixed(0)}: ${s.calls}, ${mb(s.rss)}, ${s.fds}`).join("; "),
  ...(calls.errors.size
    ? ["", "errors:", ...[...calls.errors].map(([e, n]) => `- ${n} × ${e}`)]
    : []),
].join("\n");
console.log(report);
if (opts.out) await Deno.writeTextFile(opts.out, report + "\n");
Deno.exit(calls.failed === 0 ? 0 : 1);
