// The file source on Node and Bun (node:fs watch), not only on Deno (Deno.watchFs).
import assert from "node:assert/strict";
import { run } from "../support/process.ts";
import { BUN, NODE, root } from "../support/tools.ts";

const script = `${root}tests/config/file_watch_script.ts`;

for (
  const [name, cmd, args] of [
    ["node", NODE, ["--experimental-transform-types", "--no-warnings", script]],
    ["bun", BUN, [script]],
  ] as const
) {
  Deno.test(`file source loads and watches on ${name}`, async () => {
    const out = await run(cmd, [...args], { cwd: root, timeoutMs: 30_000 });
    assert.equal(out.code, 0, `${name} failed:\n${out.stdout}\n${out.stderr}`);
    assert.equal(out.stdout.trim(), "loaded info, watched debug");
  });
}
