// The HTTP/2 attacks of h2_abuse_test.ts, each on a fresh connection, each bounded in bytes and
// time; each returns what the server did to the attacking connection.
import { Buffer } from "node:buffer";
import { Attacker, ERR, FLAG, FRAME, frame, hpack, type Outcome } from "../support/h2_attack.ts";

/** How an attack reaches the server: the request headers of one honest-looking call. */
export interface Target {
  readonly port: number;
  readonly headers: [string, string][];
}

/** A named attack. */
export interface Attack {
  readonly name: string;
  /** Runs the attack; `honest` runs once it is done, its connection still open. */
  run(target: Target, honest: () => Promise<void>): Promise<Outcome>;
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const EMPTY = new Uint8Array(0);
// Each attack gives the server this long to react after the attacker stopped.
const REACT_MS = 2_000;
// And writes for at most this long.
const WRITE_MS = 5_000;

async function withAttacker(
  target: Target,
  honest: () => Promise<void>,
  fn: (a: Attacker) => Promise<Outcome>,
): Promise<Outcome> {
  const a = await Attacker.open(target.port);
  try {
    const outcome = await fn(a);
    await honest();
    return outcome;
  } finally {
    await a.close();
  }
}

/** The attacks, in the order the test runs them. */
export const ATTACKS: readonly Attack[] = [
  {
    // CVE-2023-44487: open a stream and cancel it at once, 20,000 times, without waiting.
    name: "rapid reset (20,000 streams)",
    run: (t, honest) =>
      withAttacker(t, honest, async (a) => {
        const block = hpack(t.headers);
        await a.flood(20_000, WRITE_MS, (i) =>
          Buffer.concat([
            frame(FRAME.HEADERS, FLAG.END_HEADERS, 2 * i + 1, block),
            frame(FRAME.RST_STREAM, 0, 2 * i + 1, u32(ERR.CANCEL)),
          ]));
        return await a.outcome(REACT_MS);
      }),
  },
  {
    // CVE-2024-27316: a header block that never ends, CONTINUATION after CONTINUATION.
    name: "CONTINUATION flood (up to 64 MiB)",
    run: (t, honest) =>
      withAttacker(t, honest, async (a) => {
        await a.write(frame(FRAME.HEADERS, 0, 1, hpack(t.headers)));
        const chunk = hpack(Array.from({ length: 15 }, (_, i) => [`x-f${i}`, "a".repeat(1000)]));
        await a.flood(4_096, WRITE_MS, () => frame(FRAME.CONTINUATION, 0, 1, chunk));
        return await a.outcome(REACT_MS);
      }),
  },
  {
    // A client that never reads, flooding frames each of which the server must acknowledge.
    name: "SETTINGS flood (100,000 frames, never reading)",
    run: (t, honest) =>
      withAttacker(t, honest, async (a) => {
        a.pause();
        await a.flood(100_000, WRITE_MS, () => frame(FRAME.SETTINGS, 0, 0, EMPTY));
        return await a.outcome(REACT_MS);
      }),
  },
  {
    name: "PING flood (100,000 frames, never reading)",
    run: (t, honest) =>
      withAttacker(t, honest, async (a) => {
        a.pause();
        await a.flood(100_000, WRITE_MS, (i) => frame(FRAME.PING, 0, 0, Buffer.alloc(8, i)));
        return await a.outcome(REACT_MS);
      }),
  },
  {
    // 1 MiB of headers in one block (HEADERS + CONTINUATIONs, then END_HEADERS).
    name: "header block over the limit (1 MiB)",
    run: (t, honest) =>
      withAttacker(t, honest, async (a) => {
        const block = hpack([...t.headers, ["x-big", "a".repeat(1024 * 1024)]]);
        const frames = [];
        for (let off = 0; off < block.length; off += 16_384) {
          const last = off + 16_384 >= block.length;
          const type = off === 0 ? FRAME.HEADERS : FRAME.CONTINUATION;
          const flags = (last ? FLAG.END_HEADERS : 0) | (off === 0 ? FLAG.END_STREAM : 0);
          frames.push(frame(type, flags, 1, block.subarray(off, off + 16_384)));
        }
        await a.write(Buffer.concat(frames));
        return await a.until((o) => o.responses > 0 || Object.keys(o.resets).length > 0, REACT_MS);
      }),
  },
  {
    // 1,000 requests opened at once, none finished: ten times the streams allowed.
    name: "1,000 concurrent streams",
    run: (t, honest) =>
      withAttacker(t, honest, async (a) => {
        const block = hpack(t.headers);
        await a.flood(1_000, WRITE_MS, (i) =>
          frame(FRAME.HEADERS, FLAG.END_HEADERS, 2 * i + 1, block));
        return await a.until((o) =>
          (o.resets[ERR.REFUSED_STREAM] ?? 0) >= 700, REACT_MS);
      }),
  },
  {
    // Requests whose body never comes: 90 streams held open (under the concurrency limit).
    name: "90 streams that never send their body",
    run: (t, honest) =>
      withAttacker(t, honest, async (a) => {
        const block = hpack(t.headers);
        await a.flood(
          90,
          WRITE_MS,
          (i) => frame(FRAME.HEADERS, FLAG.END_HEADERS, 2 * i + 1, block),
        );
        return await a.until((o) => o.responses >= 90, REACT_MS);
      }),
  },
  {
    // 32 KiB of headers: over maxHeaderListBytes (16 KiB), under node:http2's default.
    name: "header block over the limit (32 KiB)",
    run: (t, honest) =>
      withAttacker(t, honest, async (a) => {
        // node:http2 applies its limits once the client acknowledged them (until then its
        // 64 KiB default holds), so this attacker plays by the rules that far.
        await a.settled;
        const block = hpack([...t.headers, ["x-big", "a".repeat(32 * 1024)]]);
        const frames = [];
        for (let off = 0; off < block.length; off += 16_384) {
          const last = off + 16_384 >= block.length;
          const type = off === 0 ? FRAME.HEADERS : FRAME.CONTINUATION;
          const flags = (last ? FLAG.END_HEADERS : 0) | (off === 0 ? FLAG.END_STREAM : 0);
          frames.push(frame(type, flags, 1, block.subarray(off, off + 16_384)));
        }
        await a.write(Buffer.concat(frames));
        return await a.until((o) => o.responses > 0 || Object.keys(o.resets).length > 0, REACT_MS);
      }),
  },
];
