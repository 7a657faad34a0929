// The request scope of a call never outlives it (see scope_probe.ts, run in a fresh process so
// that connect-node is loaded for the first time inside a scope).
import assert from "node:assert/strict";
import { run } from "../support/process.ts";
import { root } from "../support/tools.ts";

Deno.test("loading the gRPC transport inside a call leaks no request scope", async () => {
  const out = await run(Deno.execPath(), ["test", "-A", "tests/client/scope_probe.ts"], {
    cwd: root,
    timeoutMs: 60_000,
  });
  assert.equal(out.code, 0, `${out.stdout}\n${out.stderr}`);
  assert.match(out.stdout, /2 passed/);
});
