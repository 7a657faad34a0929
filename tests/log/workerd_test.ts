// The logger inside a real Cloudflare worker (workerd): a line logged in global scope, where
// Workers refuse setTimeout, must neither kill the worker nor be lost.
import assert from "node:assert/strict";
import { bundleWorker, startWorkerd, type Workerd, workerdConfig } from "../support/workerd.ts";

Deno.test("log: a line logged while a worker loads reaches the sink and the worker serves", async () => {
  const dir = await Deno.makeTempDir({ prefix: "atreus-log-workerd-" });
  let workerd: Workerd | undefined;
  try {
    await bundleWorker("tests/log/worker_probe.ts", `${dir}/worker.js`);
    workerd = await startWorkerd(dir, (port) => workerdConfig(port), "/ready");
    const res = await fetch(`${workerd.base}/hello`, { signal: AbortSignal.timeout(20_000) });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "ready");
    await workerd.child.waitFor(/logged in a handler/, 10_000);
    assert.match(
      workerd.child.output,
      /logged at load.*phase=global|phase.*global.*logged at load/,
    );
    assert.doesNotMatch(workerd.child.output, /Uncaught/);
  } finally {
    if (workerd) await workerd.close();
    else await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
