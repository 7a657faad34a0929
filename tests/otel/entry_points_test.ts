// A service that never turns tracing on loads @opentelemetry/api and nothing of the SDK: not at
// import (the module graph) and not when `setupTracing()` finds no OTEL_* variable (a run where
// importing the SDK's packages throws).
import assert from "node:assert/strict";
import { loads, npmPackages } from "../../tools/loads.ts";
import { root } from "../support/tools.ts";

const sdk = ["@opentelemetry/core", "@opentelemetry/resources", "@opentelemetry/sdk-trace"];

Deno.test("./otel loads only @opentelemetry/api at import; the SDK only via import()", async () => {
  const { atImport, reachable } = await loads(`${root}otel/mod.ts`);
  const now = npmPackages(atImport);
  assert.ok(now.includes("@opentelemetry/api"), now.join(", "));
  assert.deepEqual(now.filter((n) => sdk.includes(n)), []);
  // On Deno it loads Deno's Node process module, which a Deno-native main never needs.
  assert.ok(!atImport.has("node:process"), "node:process at import");
  const later = npmPackages(reachable);
  for (const name of sdk) assert.ok(later.includes(name), `${name} is reachable for tracing on`);
});

Deno.test("setupTracing with tracing off never imports the SDK; on, it does", async () => {
  const dir = await Deno.makeTempDir({ prefix: "atreus-otel-probe-" });
  try {
    // The project's import map with each SDK package replaced by a module that throws.
    const config = JSON.parse(await Deno.readTextFile(`${root}deno.json`));
    const imports: Record<string, string> = { ...config.imports };
    for (const name of sdk) {
      imports[name] = `data:text/javascript,throw new Error("imported ${name}")`;
    }
    await Deno.writeTextFile(`${dir}/map.json`, JSON.stringify({ imports }));
    await Deno.writeTextFile(
      `${dir}/probe.ts`,
      `import { setupTracing } from ${JSON.stringify(`file://${root}otel/mod.ts`)};\n` +
        `const on = Deno.args[0] === "on";\n` +
        `const env = on ? { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9" } : {};\n` +
        `const setup = setupTracing({ env, register: false, logger: { log() {} } });\n` +
        `await setup.ready;\n` +
        `await setup.shutdown();\n` +
        `console.log("ready", setup.tracerProvider === undefined ? "off" : "on");\n`,
    );
    const run = async (mode: string) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--import-map", `${dir}/map.json`, `${dir}/probe.ts`, mode],
        cwd: root,
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(60_000),
      }).output();
      const text = (b: Uint8Array) => new TextDecoder().decode(b).trim();
      return { success: out.success, stdout: text(out.stdout), stderr: text(out.stderr) };
    };
    const off = await run("off");
    assert.ok(off.success, off.stderr);
    assert.equal(off.stdout, "ready off");
    // The same probe with tracing on reaches the SDK, so the run above shows its absence.
    const on = await run("on");
    assert.equal(on.success, false, on.stdout);
    assert.match(on.stderr, /@opentelemetry\/(core|resources|sdk-trace)/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
