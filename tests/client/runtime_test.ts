// createClient outside Deno: on Node and Bun (every protocol), and inside a Cloudflare worker on
// workerd (Connect and gRPC-Web over fetch; the bundle must not load node:http2).
import assert from "node:assert/strict";
import { Code } from "@connectrpc/connect";
import { run } from "../support/process.ts";
import { BUN, NODE, root } from "../support/tools.ts";
import { startEcho } from "../support/client.ts";
import { bundleWorker, startWorkerd, type Workerd, workerdConfig } from "../support/workerd.ts";

const script = `${root}tests/client/runtime_script.ts`;

for (
  const [name, cmd, args] of [
    ["node", NODE, ["--experimental-transform-types", "--no-warnings", script]],
    ["bun", BUN, [script]],
  ] as const
) {
  Deno.test(`createClient on ${name}: every protocol, direct:/// and discovery:///`, async () => {
    const [a, b] = [await startEcho("a"), await startEcho("b")];
    try {
      const out = await run(cmd, [...args], {
        cwd: root,
        timeoutMs: 60_000,
        env: { ECHO_A: `${a.http},${a.grpc}`, ECHO_B: `${b.http},${b.grpc}` },
      });
      assert.equal(out.code, 0, `${name} failed:\n${out.stdout}\n${out.stderr}`);
      const results = JSON.parse(out.stdout.trim().split("\n").at(-1)!);
      const want = ["a", "b", "a", "b", "s 1", "s 2"];
      for (const protocol of ["connect", "grpc-web", "grpc"]) {
        for (const kind of ["direct", "discovery"]) {
          const got = results[`${protocol} ${kind}`];
          // wrr alternates; which node comes first depends on the list order only.
          assert.deepEqual(
            [...got.slice(0, 4)].sort(),
            ["a", "a", "b", "b"],
            `${protocol} ${kind}`,
          );
          assert.deepEqual(got.slice(4), want.slice(4), `${protocol} ${kind}`);
        }
      }
      const [tls, key, version] = results.bad as string[];
      assert.match(tls, /^invalid_option: client: tls.ca must be a PEM/);
      assert.match(key, /^invalid_option: client: tls.cert and tls.key go together/);
      assert.match(version, /^invalid_option: client: httpVersion must be "1.1" or "2"/);
      // Unknown, as on Deno (protocols_test.ts); the status where the fetch reports it.
      const status = name === "node" ? "" : " \\(302 to /elsewhere\\)";
      const [connect, grpcWeb, followed] = results.redirect as string[];
      for (const [protocol, got] of [["connect", connect], ["grpc-web", grpcWeb]]) {
        assert.match(
          got,
          new RegExp(
            `^${protocol} ${Code.Unknown} http://127\\.0\\.0\\.1:\\d+ answered with a ` +
              `redirect${status}; clients do not follow redirects$`,
          ),
        );
      }
      assert.equal(followed, "followed 0");
    } finally {
      await a.stop();
      await b.stop();
    }
  });
}

Deno.test("createClient inside a worker on workerd: Connect and gRPC-Web", async () => {
  const [a, b] = [await startEcho("a"), await startEcho("b")];
  const dir = await Deno.makeTempDir({ prefix: "atreus-client-workerd-" });
  let workerd: Workerd | undefined;
  try {
    await bundleWorker("tests/client/worker_probe.ts", `${dir}/worker.js`);
    const upstream = `direct:///${new URL(a.http).host},${new URL(b.http).host}`;
    workerd = await startWorkerd(
      dir,
      (port) => workerdConfig(port, { bindings: { UPSTREAM: upstream }, loopback: true }),
      "/ready",
    );
    const res = await fetch(`${workerd.base}/`);
    const body = await res.text();
    assert.equal(res.status, 200, `${body}\n${workerd.child.output}`);
    const results = JSON.parse(body);
    for (const protocol of ["connect", "grpc-web"]) {
      assert.deepEqual([...results[protocol].servers].sort(), ["a", "a", "b", "b"], protocol);
      assert.deepEqual(results[protocol].streamed, ["s 1", "s 2"], protocol);
    }
    assert.match(results.tls, /^invalid_option: client: tls needs Node, Deno or Bun/);
  } finally {
    if (workerd) await workerd.close();
    else await Deno.remove(dir, { recursive: true }).catch(() => {});
    await a.stop();
    await b.stop();
  }
});
