// The benchmark harness runs end to end (short runs: proves it works; the numbers are not tested).
import assert from "node:assert/strict";
import { run } from "../support/process.ts";
import { root } from "../support/tools.ts";

Deno.test("deno task bench --quick measures every row", async () => {
  const out = await run(Deno.execPath(), ["task", "bench", "--quick"], {
    cwd: root,
    timeoutMs: 300_000,
  });
  assert.equal(out.code, 0, out.stdout + out.stderr);
  const rows = out.stdout.split("\n").filter((l) =>
    /^\| (plain|Connect|Atreus|@grpc|connect-node)/.test(l)
  );
  assert.equal(rows.length, 32, out.stdout);
  for (const row of rows) {
    const rps = Number(row.split("|")[2]);
    assert.ok(rps > 0, `no throughput measured: ${row}`);
  }
});
