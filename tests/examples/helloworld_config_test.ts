// helloworld wired to its configuration: addresses from HELLOWORLD__* environment overrides, and
// the log level applied live when configs/config.yaml is replaced (atomic rename, as editors save).
import assert from "node:assert/strict";
import { Child, freePort } from "../support/process.ts";
import { root } from "../support/tools.ts";

Deno.test("helloworld takes addresses from env and follows log level edits live", async () => {
  const dir = await Deno.makeTempDir({ prefix: "atreus-hwconf-" });
  const yaml = await Deno.readTextFile(`${root}examples/helloworld/configs/config.yaml`);
  await Deno.writeTextFile(`${dir}/config.yaml`, yaml);
  const http = freePort();
  const grpc = freePort();
  const child = new Child("helloworld", Deno.execPath(), [
    "run",
    "-A",
    `${root}examples/helloworld/main.ts`,
    "--conf",
    dir,
  ], {
    env: {
      HELLOWORLD__SERVER__HTTP__ADDR: `127.0.0.1:${http}`,
      HELLOWORLD__SERVER__GRPC__ADDR: `127.0.0.1:${grpc}`,
    },
  });
  try {
    await child.waitFor(
      new RegExp(`serving http://127\\.0\\.0\\.1:${http} grpc://127\\.0\\.0\\.1:${grpc}`),
    );
    const hello = (name: string) =>
      fetch(`http://127.0.0.1:${http}/helloworld/${name}`).then((r) => r.text());
    await hello("before");
    await child.waitFor(/level=INFO .*operation=\/helloworld\.v1\.Greeter\/SayHello/);
    // The example as shipped starts clean: a warning at start is a mistake in its own wiring.
    const startWarnings = child.output.split("\n").filter((l) => /^level=(WARN|ERROR)/.test(l));
    assert.deepEqual(startWarnings, [], "warnings while starting");

    // Editors save by writing a temp file and renaming it over the original.
    await Deno.writeTextFile(`${dir}/.config.yaml.tmp`, yaml.replace("level: info", "level: warn"));
    await Deno.rename(`${dir}/.config.yaml.tmp`, `${dir}/config.yaml`);
    await child.waitFor(/msg="log level changed" level=warn/);
    const mark = child.output.split("\n").length;
    await hello("after");
    await hello("nobody"); // a 404: logged at WARN, so it still shows
    await child.waitFor(/level=WARN .*reason=USER_NOT_FOUND/);
    const after = child.output.split("\n").slice(mark);
    assert.ok(
      !after.some((l) => l.startsWith("level=INFO") && l.includes("SayHello")),
      `info lines still logged after the change:\n${after.join("\n")}`,
    );

    await Deno.writeTextFile(`${dir}/config.yaml`, "log: [broken");
    await child.waitFor(/msg="config change rejected"/);
    assert.equal(await hello("still"), '{"message":"Hello still"}');
  } finally {
    await child.close();
    await Deno.remove(dir, { recursive: true });
  }
});
