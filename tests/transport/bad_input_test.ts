// Bad input on every protocol and inside every kind of stream gets a typed error with the right
// code, status and a message that names the problem — and the server keeps serving. The corpus
// (badinput/corpus.ts) runs against servers on Deno, Bun and Node (child processes) and workerd
// (the HTTP server as a worker); on workerd the cases that need the node:http2 gRPC server do
// not apply (Workers have no HTTP/2 listener) and are listed by name.
import assert from "node:assert/strict";
import { CASES, type Target } from "./badinput/corpus.ts";
import { type Runtime, runtimeCommand } from "../support/helloworld.ts";
import { DENO_NGHTTP2_ABORT } from "../support/deno_defects.ts";
import { Child, run } from "../support/process.ts";
import { startHostile } from "./badinput/hostile.ts";
import { root } from "../support/tools.ts";
import { bundleWorker, startWorkerd, workerdConfig } from "../support/workerd.ts";

async function runCorpus(t: Deno.TestContext, target: Target, alive: () => void): Promise<void> {
  for (const c of CASES) {
    if (c.grpc && !target.grpc) continue;
    await t.step(c.name, async () => {
      await c.run(target);
      alive();
    });
  }
}

/** The bad-input servers as a child process on `runtime`, and where they listen. */
async function startServers(runtime: Runtime): Promise<{ child: Child; target: Target }> {
  const [cmd, args] = runtimeCommand(runtime, `${root}tests/transport/badinput/server.ts`);
  const child = new Child(`bad-input/${runtime}`, cmd, args, { cwd: root });
  try {
    const m = await child.waitFor(/bad-input serving (\S+) (\S+)/, 30_000);
    return { child, target: { http: m[1], grpc: m[2] } };
  } catch (error) {
    await child.close();
    throw error;
  }
}

// Each runtime's servers run in their own process, so a death is seen and reported with the
// process's last output. The one death survived is Deno's nghttp2 abort (DENO_NGHTTP2_ABORT),
// by name: the test says so, starts the servers again and runs the case again on them.
for (const runtime of ["deno", "bun", "node"] as const) {
  Deno.test(`bad input on ${runtime}: typed errors, and the servers keep serving`, async (t) => {
    let servers = await startServers(runtime);
    const died = (child: Child, status?: Deno.CommandStatus, cause?: unknown) =>
      new Error(
        `the ${runtime} server died (code ${status?.code ?? child.exitCode}, signal ${
          status?.signal ?? "?"
        }):\n${child.output.slice(-4000)}`,
        { cause },
      );
    try {
      for (const c of CASES) {
        await t.step(c.name, async () => {
          try {
            await c.run(servers.target);
            assert.equal(servers.child.exitCode, undefined, died(servers.child).message);
          } catch (error) {
            const status = await servers.child.exited(1_000).catch(() => undefined);
            if (status === undefined) throw error;
            if (runtime !== "deno" || !DENO_NGHTTP2_ABORT.test(servers.child.output)) {
              throw died(servers.child, status, error);
            }
            console.log(
              `${c.name}: the deno server aborted in nghttp2 (denoland/deno#36788); started again`,
            );
            await servers.child.close();
            servers = await startServers(runtime);
            await c.run(servers.target);
          }
        });
      }
      assert.doesNotMatch(servers.child.output, /Uncaught|unhandled/i, servers.child.output);
    } finally {
      await servers.child.close();
    }
  });
}

Deno.test("bad input on workerd: typed errors, and the worker keeps serving", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "atreus-bad-input-" });
  await bundleWorker("tests/transport/badinput/worker.ts", `${dir}/worker.js`);
  const workerd = await startWorkerd(dir, (port) => workerdConfig(port));
  try {
    await runCorpus(t, { http: workerd.base }, () => {
      assert.equal(workerd.child.exitCode, undefined, `workerd died:\n${workerd.child.output}`);
    });
    const notHere = CASES.filter((c) => c.grpc).map((c) => c.name);
    console.log(`not applicable on workerd (no gRPC server): ${notHere.join("; ")}`);
    assert.doesNotMatch(workerd.child.output, /Uncaught/, workerd.child.output);
  } finally {
    await workerd.close();
  }
});

// The client's side of bad bytes inside streams: a hostile server's broken server streams
// (end-of-stream JSON that is not JSON, cut and oversized envelopes, a compressed flag without
// compression, a message that is not protobuf, a gRPC-Web trailer without a status) read by
// createClient on each runtime. Every one is a typed error naming the problem.
const CLIENT_ERRORS: Record<string, string> = {
  "connect end-not-json": "3 failed to parse EndStreamResponse: [unknown] invalid end stream",
  "connect end-not-object": "3 failed to parse EndStreamResponse: [unknown] invalid end stream",
  "connect cut-envelope": "3 protocol error: incomplete envelope",
  "connect oversized-envelope":
    "8 message size 67108864 is larger than configured readMaxBytes 16777216",
  "connect compressed-without-encoding":
    "13 received compressed envelope, but do not know how to decompress",
  "connect not-protobuf": "13 parse binary: premature EOF",
  "connect trailer-garbage": "3 failed to parse EndStreamResponse: [unknown] invalid end stream",
  "connect good": "ok first",
  "grpc-web end-not-json": "13 protocol error: missing status",
  "grpc-web end-not-object": "13 protocol error: missing status",
  "grpc-web cut-envelope": "3 protocol error: incomplete envelope",
  "grpc-web oversized-envelope":
    "8 message size 67108864 is larger than configured readMaxBytes 16777216",
  "grpc-web compressed-without-encoding":
    "13 received compressed envelope, but do not know how to decompress",
  "grpc-web not-protobuf": "13 parse binary: premature EOF",
  "grpc-web trailer-garbage": "13 protocol error: missing status",
  "grpc-web good": "ok first",
};

Deno.test("broken server streams are typed client errors on Deno, Node and Bun", async (t) => {
  const hostile = startHostile();
  try {
    for (const runtime of ["deno", "node", "bun"] as const) {
      await t.step(runtime, async () => {
        const [cmd, args] = runtimeCommand(
          runtime,
          `${root}tests/transport/badinput/client_script.ts`,
        );
        const out = await run(cmd, args, {
          cwd: root,
          env: { HOSTILE: hostile.base },
          timeoutMs: 60_000,
        });
        assert.equal(out.code, 0, `${out.stdout}\n${out.stderr}`);
        assert.deepEqual(JSON.parse(out.stdout.trim().split("\n").at(-1)!), CLIENT_ERRORS);
      });
    }
  } finally {
    await hostile.close();
  }
});
