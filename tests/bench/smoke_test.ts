// The benchmark harness runs end to end (short runs: proves it works; the numbers are not tested):
// every row of every group measures something, and the cold-start and bundle tables print.
import assert from "node:assert/strict";
import { run } from "../support/process.ts";
import { root } from "../support/tools.ts";

Deno.test("deno task bench --quick measures every row", async () => {
  const out = await run(Deno.execPath(), ["task", "bench", "--quick"], {
    cwd: root,
    timeoutMs: 900_000,
  });
  assert.equal(out.code, 0, out.stdout + out.stderr);
  const sections = out.stdout.split("\n## ").slice(1);
  const titles = sections.map((s) => s.split("\n")[0]);
  for (
    const want of [
      /^Deno\.serve/,
      /^Bun\.serve/,
      /^Node 24/,
      /^Production chain/,
      /^helloworld built up/,
      /^Server streaming/,
      /^gRPC unary over h2c/,
      /^gRPC unary from a grpc-go client/,
      /^Client unary/,
      /^Logger/,
      /^Cold start/,
      /^Workers helloworld bundle/,
    ]
  ) {
    assert.ok(titles.some((t) => want.test(t)), `section ${want} missing: ${titles.join(" / ")}`);
  }
  const rows = sections.flatMap((s) =>
    s.split("\n").filter((l) =>
      l.startsWith("| ") && !l.startsWith("| row") &&
      !l.startsWith("| bundle")
    )
  );
  // 13 rows per runtime, 10 in the chain and 12 in the built-up helloworld per runtime, 6 streams, 9 gRPC (h2load: 6 lab, 3 as shipped),
  // 3 gRPC (ghz), 24 client, 3 logger, 8 cold starts (Node also with its compile cache),
  // 2 bundles (helloworld's and the floor).
  assert.equal(rows.length, 13 * 3 + 10 * 3 + 12 * 3 + 6 + 9 + 3 + 24 + 3 + 8 + 2, out.stdout);
  for (const row of rows) {
    const value = Number(row.split("|")[2].trim().replaceAll(",", ""));
    assert.ok(value > 0, `nothing measured: ${row}`);
  }
  // Groups of server rows also give the server's CPU time per answered request.
  const cpuRows = sections.filter((s) => s.includes("| server CPU µs/req")).flatMap((s) =>
    s.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| row"))
  );
  assert.equal(cpuRows.length, 13 * 3 + 10 * 3 + 12 * 3 + 6 + 9 + 3, out.stdout);
  for (const row of cpuRows) {
    const cpu = Number(row.split("|")[4].trim().replaceAll(",", ""));
    assert.ok(cpu > 0, `no server CPU per request: ${row}`);
  }
  // And client rows the client process's CPU time per call.
  const clientCpuRows = sections.filter((s) => s.includes("| client CPU µs/call")).flatMap((s) =>
    s.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| row"))
  );
  assert.equal(clientCpuRows.length, 24, out.stdout);
  for (const row of clientCpuRows) {
    const cpu = Number(row.split("|")[4].trim().replaceAll(",", ""));
    assert.ok(cpu > 0, `no client CPU per call: ${row}`);
  }
});
