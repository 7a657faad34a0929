// programArgs() and programEnv() give a main the same arguments and variables on every runtime,
// and on Deno they do it without Deno's Node process module (helloworld's main never loads it).
import assert from "node:assert/strict";
import { loads } from "../../tools/loads.ts";
import { run } from "../support/process.ts";
import { BUN, NODE, root } from "../support/tools.ts";

const script = `${root}tests/app/program_script.ts`;
const args = ["--conf", "a b", "", "--http=127.0.0.1:0"];

for (
  const [name, cmd, pre] of [
    ["deno", Deno.execPath(), ["run", "--allow-env", "--allow-read", script]],
    ["node", NODE, ["--experimental-transform-types", "--no-warnings", script]],
    ["bun", BUN, [script]],
  ] as const
) {
  Deno.test(`programArgs and programEnv on ${name}`, async () => {
    const out = await run(cmd, [...pre, ...args], {
      cwd: root,
      env: { ATREUS_PROGRAM_PROBE: "x=1, y" },
      timeoutMs: 30_000,
    });
    assert.equal(out.code, 0, `${name} failed:\n${out.stdout}\n${out.stderr}`);
    const seen = JSON.parse(out.stdout);
    assert.deepEqual(seen.args, args);
    assert.equal(seen.set, "x=1, y");
    assert.equal(seen.unset, null);
    assert.equal(seen.spread, "x=1, y");
    assert.equal(seen.has, true);
    assert.equal(seen.deno, name === "deno");
  });
}

Deno.test("helloworld's main loads no node:process at import", async () => {
  const { atImport } = await loads(`${root}examples/helloworld/main.ts`);
  assert.ok(
    !atImport.has("node:process"),
    [...atImport].filter((s) => s.startsWith("node:")).join(" "),
  );
});
