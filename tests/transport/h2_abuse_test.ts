// HTTP/2 abuse against every listener that speaks it — the gRPC server (node:http2) and the HTTP
// server's h2c (node:http2 on Node, Deno.serve, Bun.serve) — on Deno, Bun and Node: rapid reset,
// CONTINUATION flood, SETTINGS and PING floods, a header block over the limit, more concurrent
// streams than allowed, streams that never send their body (tests/transport/h2_attacks.ts).
// After each attack, with the attacking connection still open, and again on a fresh one, an
// honest call answers within 1 s; the server's RSS stays within RSS_GROWTH_MAX of where it began.
// What each server did to the attacker is asserted where it defends itself, and otherwise
// asserted as measured, so a change shows up (README "Reliability").
import assert from "node:assert/strict";
import { DENO_NGHTTP2_ABORT } from "../support/deno_defects.ts";
import { Child } from "../support/process.ts";
import { type Runtime, runtimeCommand } from "../support/helloworld.ts";
import { root } from "../support/tools.ts";
import { grpcFrame, h2Request } from "../support/h2.ts";
import { ERR, type Outcome } from "../support/h2_attack.ts";
import { ATTACKS, type Target } from "./h2_attacks.ts";

const SCRIPT = `${root}tests/transport/h2_abuse_script.ts`;
/** How much the server's RSS may grow over all the attacks. */
const RSS_GROWTH_MAX = 128 * 1024 * 1024;
/** An honest call must answer within this, during and after each attack. */
const HONEST_MS = 1_000;

const SAY = "/helloworld.v1.Greeter/SayHello";
// HelloRequest{name: "x"}.
const HELLO = new Uint8Array([0x0a, 0x01, 0x78]);

type Listener = "grpc" | "http";

function targetOf(listener: Listener, port: number): Target {
  const base: [string, string][] = [
    [":method", "POST"],
    [":scheme", "http"],
    [":path", SAY],
    [":authority", `127.0.0.1:${port}`],
  ];
  return {
    port,
    headers: listener === "grpc"
      ? [...base, ["content-type", "application/grpc"], ["te", "trailers"]]
      : [...base, ["content-type", "application/json"]],
  };
}

async function honestCall(listener: Listener, port: number): Promise<void> {
  const origin = `http://127.0.0.1:${port}`;
  if (listener === "grpc") {
    const res = await h2Request(
      origin,
      SAY,
      {
        "content-type": "application/grpc",
        te: "trailers",
      },
      grpcFrame(HELLO),
      HONEST_MS,
    );
    assert.equal(res.trailers["grpc-status"] ?? res.headers["grpc-status"], "0");
  } else {
    const res = await h2Request(
      origin,
      SAY,
      { "content-type": "application/json" },
      new TextEncoder().encode('{"name":"x"}'),
      HONEST_MS,
    );
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(res.body)), { message: "Hello x" });
  }
}

let asked = 0;
async function rss(child: Child): Promise<number> {
  await child.write("rss\n");
  const m = await child.waitFor(new RegExp(`^rss (\\d+) ${++asked}$`), 5_000);
  return Number(m[1]);
}

/**
 * What the server does to the attacking connection: closes it (GOAWAY or not), refuses the
 * excess streams (RST_STREAM REFUSED_STREAM), answers every held stream (the gRPC server's
 * requestTimeoutMs), rejects the one stream (RST_STREAM, or a status other than 200), or keeps it
 * open while still serving everyone else ("held": no defence
 * of its own, the bound is elsewhere; README "Reliability").
 */
type Verdict = "closed" | "refused" | "answered" | "rejected" | "held";

function verdictOf(o: Outcome): Verdict {
  if (o.closed) return "closed";
  if ((o.resets[ERR.REFUSED_STREAM] ?? 0) >= 700) return "refused";
  if (o.responses >= 90) return "answered";
  if (Object.keys(o.resets).length > 0 || o.responses > o.ok) return "rejected";
  return "held";
}

// Per attack, in ATTACKS order, what the server may do. Streams over the limit may be refused
// one by one or end the connection (RFC 9113 §5.1.2 allows either); which one a runtime's
// node:http2 picks depends on whether the client had acknowledged the limit yet.
const OVER_LIMIT: Verdict[] = ["refused", "closed"];
const NODE_HTTP2: Verdict[][] = [
  ["closed"],
  ["closed"],
  ["closed"],
  ["closed"],
  ["closed"],
  OVER_LIMIT,
  ["answered"],
  ["rejected", "closed"],
];
// Deno.serve and Bun.serve acknowledge every SETTINGS and PING without closing, allow 200 and
// 256 streams, and hold streams that never send their body.
const FETCH_SERVER: Verdict[][] = [
  ["closed"],
  ["closed"],
  ["held"],
  ["held"],
  ["closed"],
  ["refused"],
  ["held"],
  ["rejected", "closed"],
];
const EXPECTED: Record<Runtime, Record<Listener, Verdict[][]>> = {
  node: { grpc: NODE_HTTP2, http: NODE_HTTP2 },
  deno: { grpc: NODE_HTTP2, http: FETCH_SERVER },
  bun: { grpc: NODE_HTTP2, http: FETCH_SERVER },
};

// The one death this test survives, on that one listener, by name: the row records it, the
// server is started again and the remaining attacks run.
function knownAbort(runtime: Runtime, listener: Listener, output: string): boolean {
  return runtime === "deno" && listener === "grpc" && DENO_NGHTTP2_ABORT.test(output);
}

/** A server process under attack, with its ports and the RSS it started the attacks at. */
interface Attacked {
  readonly child: Child;
  readonly ports: Record<Listener, number>;
  readonly before: number;
}

async function startServer(runtime: Runtime): Promise<Attacked> {
  const [cmd, args] = runtimeCommand(runtime, SCRIPT);
  asked = 0;
  const child = new Child(`h2-abuse/${runtime}`, cmd, args, { cwd: root, stdin: "piped" });
  try {
    const m = await child.waitFor(/^serving http:\/\/127\.0\.0\.1:(\d+)\/ (\d+)/, 30_000);
    const ports: Record<Listener, number> = { http: Number(m[1]), grpc: Number(m[2]) };
    for (const listener of ["grpc", "http"] as Listener[]) {
      await honestCall(listener, ports[listener]);
    }
    return { child, ports, before: await rss(child) };
  } catch (error) {
    await child.close();
    throw error;
  }
}

for (const runtime of ["node", "deno", "bun"] as Runtime[]) {
  Deno.test(`HTTP/2 abuse on ${runtime}`, async (t) => {
    let server = await startServer(runtime);
    const first = server.before;
    try {
      const rows: string[] = [];
      for (const listener of ["grpc", "http"] as Listener[]) {
        for (const [i, attack] of ATTACKS.entries()) {
          await t.step(`${listener}: ${attack.name}`, async () => {
            const { child, ports, before } = server;
            const port = ports[listener];
            try {
              let during = "";
              const outcome: Outcome = await attack.run(targetOf(listener, port), async () => {
                const t0 = performance.now();
                try {
                  await honestCall(listener, port);
                  during = `${Math.round(performance.now() - t0)} ms`;
                } catch (e) {
                  during = `FAILED ${e}`;
                }
              });
              const t0 = performance.now();
              let after = "";
              try {
                await honestCall(listener, port);
                after = `${Math.round(performance.now() - t0)} ms`;
              } catch (e) {
                after = `FAILED ${e}`;
              }
              const now = await rss(child);
              const verdict = verdictOf(outcome);
              rows.push(
                `${runtime} ${listener} | ${attack.name} | goaway=${outcome.goaway} resets=${
                  JSON.stringify(outcome.resets)
                } responses=${outcome.responses} closed=${outcome.closed} verdict=${verdict} written=${outcome.written} | during ${during} | after ${after} | rss +${
                  ((now - before) / 2 ** 20).toFixed(1)
                } MiB`,
              );
              const row = rows.at(-1)!;
              assert.match(during, /^\d+ ms$/, `honest call during the attack: ${row}`);
              assert.match(after, /^\d+ ms$/, `honest call after the attack: ${row}`);
              assert.ok(now - before <= RSS_GROWTH_MAX, `RSS grew over the bound: ${row}`);
              const expected = EXPECTED[runtime][listener][i];
              assert.ok(expected.includes(verdict), `expected ${expected.join(" or ")}: ${row}`);
            } catch (error) {
              // A failed step against a live server is the step's own failure; a server that
              // died is the finding, and its last output says how.
              const status = await child.exited(1_000).catch(() => undefined);
              if (status === undefined) throw error;
              if (!knownAbort(runtime, listener, child.output)) {
                throw new Error(
                  `the server exited (code ${status.code}, signal ${status.signal}) during the attack; its last output:\n${
                    child.output.slice(-4000)
                  }`,
                  { cause: error },
                );
              }
              rows.push(
                `${runtime} ${listener} | ${attack.name} | the server aborted in nghttp2 (denoland/deno#36788); started again`,
              );
              await child.close();
              server = await startServer(runtime);
            }
          });
        }
      }
      const end = await rss(server.child);
      const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
      console.log(
        `${rows.join("\n")}\n${runtime}: RSS ${mib(first)} before, ${mib(end)} after` +
          (server.before === first
            ? ""
            : ` (a restarted server's: ${mib(server.before)} at its start)`),
      );
    } finally {
      await server.child.close();
    }
  });
}
