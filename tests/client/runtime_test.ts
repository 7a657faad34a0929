// createClient outside Deno: on Node and Bun (every protocol), and inside a Cloudflare worker on
// workerd (Connect and gRPC-Web over fetch; the bundle must not load node:http2).
import assert from "node:assert/strict";
import { Child, freePort, run } from "../support/process.ts";
import { BUN, NODE, root, WORKERD } from "../support/tools.ts";
import { startEcho } from "./support.ts";

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
    } finally {
      await a.stop();
      await b.stop();
    }
  });
}

Deno.test("createClient inside a worker on workerd: Connect and gRPC-Web", async () => {
  const [a, b] = [await startEcho("a"), await startEcho("b")];
  const dir = await Deno.makeTempDir({ prefix: "atreus-client-workerd-" });
  let workerd: Child | undefined;
  try {
    const build = await run(Deno.execPath(), [
      "bundle",
      "--quiet",
      "--platform",
      "browser",
      "--external",
      "node:*",
      "--external",
      "@connectrpc/connect-node",
      "--external",
      "@hono/node-server",
      "-o",
      `${dir}/worker.js`,
      "tests/client/worker_probe.ts",
    ], { cwd: root, timeoutMs: 120_000 });
    assert.equal(build.code, 0, build.stderr);
    const port = freePort();
    const upstream = `direct:///${new URL(a.http).host},${new URL(b.http).host}`;
    await Deno.writeTextFile(
      `${dir}/config.capnp`,
      `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .main),
    (name = "loopback", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const main :Workerd.Worker = (
  modules = [ (name = "worker", esModule = embed "worker.js") ],
  compatibilityDate = "2025-09-01",
  compatibilityFlags = ["nodejs_compat"],
  bindings = [ (name = "UPSTREAM", text = "${upstream}") ],
  globalOutbound = "loopback",
);
`,
    );
    workerd = new Child("workerd", WORKERD, ["serve", `${dir}/config.capnp`]);
    let res: Response | undefined;
    for (const deadline = Date.now() + 20_000; res === undefined;) {
      res = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
      if (res === undefined) {
        assert.ok(Date.now() < deadline, `workerd did not serve\n${workerd.output}`);
        assert.equal(workerd.exitCode, undefined, `workerd exited\n${workerd.output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const body = await res.text();
    assert.equal(res.status, 200, `${body}\n${workerd.output}`);
    const results = JSON.parse(body);
    for (const protocol of ["connect", "grpc-web"]) {
      assert.deepEqual([...results[protocol].servers].sort(), ["a", "a", "b", "b"], protocol);
      assert.deepEqual(results[protocol].streamed, ["s 1", "s 2"], protocol);
    }
  } finally {
    await workerd?.close();
    await Deno.remove(dir, { recursive: true });
    await a.stop();
    await b.stop();
  }
});
