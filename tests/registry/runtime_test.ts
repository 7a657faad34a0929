// The registry and selector on Node and Bun, against the real etcd: library code uses only
// web-standard APIs, so it must behave the same outside Deno.
import assert from "node:assert/strict";
import { run } from "../support/process.ts";
import { BUN, NODE, root } from "../support/tools.ts";
import { startEtcd } from "../support/etcd.ts";

const script = `${root}tests/registry/runtime_script.ts`;

for (
  const [name, cmd, args] of [
    ["node", NODE, ["--experimental-transform-types", "--no-warnings", script]],
    ["bun", BUN, [script]],
  ] as const
) {
  Deno.test(`etcd registry + selector on ${name}`, async () => {
    const server = await startEtcd();
    try {
      const out = await run(cmd, [...args], {
        cwd: root,
        timeoutMs: 30_000,
        env: { ETCD_ENDPOINT: server.endpoint },
      });
      assert.equal(out.code, 0, `${name} failed:\n${out.stdout}\n${out.stderr}`);
      assert.equal(out.stdout.trim(), "picked 127.0.0.1:9000, removal seen");
    } finally {
      await server.close();
    }
  });
}
