// `atreus console` as a new user runs it, from the local JSR registry (this checkout as `deno
// publish` ships it) and npm only: `deno run -A jsr:@atreus/atreus/cmd console --endpoints …`
// serves the page and its bundle (from the package's generated module, no build step), knows
// the instance is SERVING, describes it from reflection and calls it; SIGTERM stops it.
import assert from "node:assert/strict";
import { startHelloworld } from "../support/helloworld.ts";
import { Child } from "../support/process.ts";
import { packageConfig, registry, userEnv } from "../support/jsr.ts";
import type { CallEvent, DescribeResult, Snapshot } from "../../cmd/atreus/console/protocol.ts";

Deno.test("from JSR: atreus console --endpoints serves the page, health, reflection and calls", async () => {
  const home = await Deno.makeTempDir({ prefix: "atreus-console-user-" });
  const hw = await startHelloworld("deno");
  const grpc = `grpc://${hw.grpcAddress}`;
  const cli = new Child("jsr console", Deno.execPath(), [
    "run",
    "-A",
    `jsr:${packageConfig.name}/cmd`,
    "console",
    "--endpoints",
    `helloworld=${grpc},${hw.http}`,
    "--listen",
    "127.0.0.1:0",
    "--allow-calls",
  ], { cwd: home, env: userEnv(`${home}/deno-dir`, home), clearEnv: true });
  try {
    const [, url] = await cli.waitFor(/atreus console: serving (http:\/\/\S+)/, 180_000);
    const page = await fetch(url);
    assert.match(await page.text(), /<script type="module" src="\/app.js">/);
    const js = await fetch(new URL("/app.js", url));
    assert.equal(js.headers.get("content-type"), "text/javascript; charset=utf-8");
    assert.ok((await js.text()).length > 20_000, "the bundle with uPlot");
    assert.ok(
      registry.requests.some((r) => r.endsWith("/cmd/atreus/console/gen/assets.ts")),
      "assets from JSR",
    );

    // Health arrives over the event stream (SSE), pushed: read until SERVING.
    const events = await fetch(new URL("/api/events", url), {
      signal: AbortSignal.timeout(30_000),
    });
    const reader = events.body!.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    while (!/"status":"SERVING"/.test(seen)) {
      const { value, done } = await reader.read();
      assert.ok(!done, `the stream ended before SERVING:\n${seen}`);
      seen += value;
    }
    await reader.cancel();
    const state: Snapshot = await (await fetch(new URL("/api/state", url))).json();
    const id = state.services[0].instances[0].id;
    assert.equal(id, hw.grpcAddress);

    const describe = new URL("/api/describe", url);
    describe.search = new URLSearchParams({ service: "helloworld", instance: id }).toString();
    const d: DescribeResult = await (await fetch(describe)).json();
    const greeter = d.packages.find((p) => p.name === "helloworld.v1")!.services[0];
    assert.deepEqual(greeter.methods.map((m) => m.name), ["SayHello", "SayHelloStream"]);

    const call = await fetch(new URL("/api/call", url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        service: "helloworld",
        instance: id,
        endpoint: grpc,
        protocol: "grpc",
        method: "/helloworld.v1.Greeter/SayHello",
        body: JSON.stringify({ name: "jsr" }),
        metadata: [["x-md-global-caller", "jsr-test"]],
        timeoutMs: 5_000,
      }),
    });
    const lines: CallEvent[] = (await call.text()).trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(lines.find((e) => e.type === "message"), {
      type: "message",
      json: { message: "Hello jsr" },
      atMs: (lines.find((e) => e.type === "message") as { atMs: number }).atMs,
    });
    assert.equal((lines.at(-1) as { code: string }).code, "OK");

    cli.kill("SIGTERM");
    assert.equal((await cli.exited(15_000)).code, 0, cli.output);
    assert.match(cli.output, /atreus console: stopped/);
  } finally {
    await cli.close();
    await hw.child.close();
    await Deno.remove(home, { recursive: true });
  }
});
