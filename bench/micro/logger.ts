// The logger micro-benchmark: access-log-shaped logfmt lines (a timestamp valuer in the prefix)
// written through createLogger to stdout, which the bench redirects to a file. Lines are logged
// a turn's worth at a time, as a server logs them, and the producer waits when the buffer is
// half full, so every line is written (none dropped): the rate is what the writer sustains.
// Prints one JSON line on stderr: lines/s written, dropped lines, p50/p99 of one log() call.
//   --seconds S
import process from "node:process";
import { numberOption } from "../lib/options.ts";
import * as log from "../../log/mod.ts";

const seconds = numberOption("--seconds", 3);
const writer = log.createLogger({ format: "logfmt" });
const logger = log.with(writer, "ts", log.timestamp());
const turn = () =>
  new Promise<void>((r) =>
    (globalThis as unknown as { setImmediate(f: () => void): void })
      .setImmediate(r)
  );
const samples: number[] = [];
const end = performance.now() + seconds * 1000;
const started = performance.now();
let lines = 0;
while (performance.now() < end) {
  for (let j = 0; j < 64; j++, lines++) {
    const t0 = performance.now();
    log.logRecord(logger, "info", [
      "kind",
      "server",
      "component",
      "connect",
      "operation",
      "/helloworld.v1.Greeter/SayHello",
      "args",
      "helloworld.v1.HelloRequest",
      "code",
      0,
      "reason",
      "",
      "latency",
      0.000123,
    ]);
    if ((lines & 15) === 0) samples.push(performance.now() - t0);
  }
  await turn();
  while (writer.stats().pending > 4096) await turn();
}
await writer.flush();
const elapsed = (performance.now() - started) / 1000;
const stats = writer.stats();
samples.sort((a, b) => a - b);
const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor(samples.length * p))];
process.stderr.write(
  JSON.stringify({
    rps: stats.written / elapsed,
    p50: pct(0.5),
    p99: pct(0.99),
    errors: stats.dropped + stats.failed,
    logged: lines,
  }) + "\n",
);
