// log/ and errors/ behave the same on Deno, Bun and Node 24: same lines, same caller, same
// context valuers, same error round trip, written through each runtime's stdout.
import assert from "node:assert/strict";
import { type Runtime, runtimeCommand } from "../support/helloworld.ts";

const probe = new URL("./runtime_probe.ts", import.meta.url).pathname;

const want = [
  '{"level":"INFO","caller":"log/runtime_probe.ts:18","trace.id":"t1","msg":"in request","password":"***"}',
  '{"level":"WARN","caller":"log/runtime_probe.ts:20","trace.id":"","msg":"n=7"}',
  '{"code":404,"reason":"USER_NOT_FOUND","metadata":{"id":"42"}}',
  '{"code":404,"reason":"USER_NOT_FOUND","message":"user 42","metadata":{"id":"42"}}',
];

for (const runtime of ["deno", "bun", "node"] as Runtime[]) {
  Deno.test(`log and errors on ${runtime}`, async () => {
    const [cmd, args] = runtimeCommand(runtime, probe);
    const result = await new Deno.Command(cmd, {
      args,
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(60_000),
    }).output();
    const stderr = new TextDecoder().decode(result.stderr);
    assert.ok(result.success, stderr);
    const lines = new TextDecoder().decode(result.stdout).trimEnd().split("\n");
    const seen = lines.map((line) => {
      const m = /^level=INFO probe=(.*)$/.exec(line);
      assert.ok(m, line);
      return m[1].startsWith('"') ? JSON.parse(m[1]) : m[1];
    });
    assert.deepEqual(seen, want, runtime);
  });
}
