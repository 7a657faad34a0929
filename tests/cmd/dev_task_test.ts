// The repository's `deno task dev` (the README's quick start, also through `npx -y deno@2`)
// runs helloworld under `atreus run` and stops on one SIGTERM or SIGINT with the app's
// graceful stop, leaving no process and no port behind. `deno run --watch`, used before,
// kept its watcher alive after the app had stopped. Each run is a process group of its own,
// as a terminal's job is: Ctrl-C is SIGINT to the whole group, `kill <pid>` SIGTERM to one.
import assert from "node:assert/strict";
import { Child, freePort } from "../support/process.ts";
import { root } from "../support/tools.ts";

const serving = /helloworld serving (http:\/\/\S+)/;

async function devStops(
  cmd: string,
  args: string[],
  signal: Deno.Signal,
  to: "process" | "group",
  exitCode = 0,
): Promise<void> {
  const [http, grpc] = [freePort(), freePort()];
  const task = new Child(`${cmd} ${args.join(" ")}`, cmd, args, {
    cwd: root,
    env: { HTTP_ADDR: `127.0.0.1:${http}`, GRPC_ADDR: `127.0.0.1:${grpc}`, NO_COLOR: "1" },
    detached: true,
  });
  let app: number | undefined;
  try {
    app = Number((await task.waitFor(/started main\.ts \(run 1, pid (\d+)\)/, 120_000))[1]);
    const [, base] = await task.waitFor(serving, 60_000);
    const res = await fetch(`${base}/helloworld.v1.Greeter/SayHello`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "dev" }),
    });
    assert.deepEqual(await res.json(), { message: "Hello dev" });

    if (to === "group") Deno.kill(-task.pid, signal);
    else task.kill(signal);
    // Within the app's stop timeout (App's default, 30 s).
    const status = await task.exited(35_000);
    assert.equal(status.code, exitCode, task.output);
    assert.match(task.output, new RegExp(`msg="app stopping" signal=${signal}`));
    assert.match(task.output, /helloworld stopped/);
    assert.doesNotMatch(task.output, /stop timeout reached/);
    assert.throws(
      () => Deno.kill(app!, "SIGCONT"),
      Deno.errors.NotFound,
      "the app outlived the task",
    );
    for (const port of [http, grpc]) Deno.listen({ hostname: "127.0.0.1", port }).close();
  } finally {
    // Whatever is left (nothing, when the test passed) goes, so no pipe is held open.
    for (const pid of [-task.pid, app]) {
      try {
        if (pid !== undefined) Deno.kill(pid, "SIGKILL");
      } catch {
        // gone, as it should be
      }
    }
    await task.close();
  }
}

Deno.test("deno task dev stops gracefully on SIGTERM to the task", async () => {
  await devStops(Deno.execPath(), ["task", "dev"], "SIGTERM", "process");
});

Deno.test("deno task dev stops gracefully on Ctrl-C (SIGINT to the group)", async () => {
  await devStops(Deno.execPath(), ["task", "dev"], "SIGINT", "group");
});

// npm passes a SIGTERM sent to npx alone to its `sh -c`, which exits without passing it on,
// so that case is not tested (the README says so); a terminal's Ctrl-C reaches every process.
Deno.test("npx -y deno@2 task dev (the README's quick start) stops gracefully on Ctrl-C", async () => {
  // npm itself answers an interrupt with 130 (128 + SIGINT) once its command has exited.
  await devStops("npx", ["-y", "deno@2", "task", "dev"], "SIGINT", "group", 130);
});
