// The whole journey of a new service: atreus new (against this checkout, JSR being out of
// reach), atreus gen with buf and the local plugins, the project passing deno fmt/lint/check
// and its own tests, then its main.ts serving Connect, REST and gRPC on free ports, reporting
// generated errors with their reason, and stopping with exit 0 on SIGTERM, directly and under
// `atreus run`, which also restarts it when a source file changes.
import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";
import type { DescService } from "@bufbuild/protobuf";
import { createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { fromError } from "../../errors/mod.ts";
import { bufCurl } from "../support/clients.ts";
import { Child, freePort, run } from "../support/process.ts";
import { root } from "../support/tools.ts";
import { atreus, CLI, nth, tempDir } from "../support/cli.ts";
import { promtool } from "../support/promtool.ts";

const repo = root.replace(/\/$/, "");
const serving = /pet_store serving (http:\/\/\S+) grpc:\/\/(\S+)/;

// Runs a deno subcommand in the project and fails with its output when it fails.
async function denoIn(project: string, args: string[]): Promise<string> {
  const out = await run(Deno.execPath(), args, {
    cwd: project,
    env: { NO_COLOR: "1" },
    timeoutMs: 180_000,
  });
  assert.equal(out.code, 0, `deno ${args.join(" ")}:\n${out.stdout}\n${out.stderr}`);
  return out.stdout + out.stderr;
}

function addressEnv(http: string, grpc: string): Record<string, string> {
  return { PET_STORE__SERVER__HTTP__ADDR: http, PET_STORE__SERVER__GRPC__ADDR: grpc };
}

async function sayHello(base: string, name: string): Promise<unknown> {
  const res = await fetch(`${base}/pet_store.v1.PetStore/SayHello`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
  assert.equal(res.status, 200);
  return await res.json();
}

interface Reply {
  readonly status: number;
  readonly body: { name?: string; count?: number; reason?: string; metadata?: unknown };
}

async function getGreeting(base: string, name: string): Promise<Reply> {
  const res = await fetch(`${base}/v1/pet_store/greetings/${name}`);
  return { status: res.status, body: await res.json() };
}

async function reasonOf(service: DescService, transport: Transport, name: string) {
  const client = createClient(service, transport) as unknown as {
    getGreeting(req: { name: string }): Promise<unknown>;
  };
  const error = await client.getGreeting({ name }).then(() => undefined, (e) => e);
  assert.ok(error !== undefined, "the call should have failed");
  return fromError(error);
}

Deno.test("atreus new → gen → check → serve → stop", async (t) => {
  await using tmp = await tempDir();
  const project = `${tmp.path}/pet_store`;

  await t.step("new scaffolds the Kratos layout", async () => {
    const out = await atreus(["new", "pet_store", "--atreus", repo], { cwd: tmp.path });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^created pet_store in /);
    for (
      const file of [
        "api/pet_store/v1/pet_store.proto",
        "api/errors/errors.proto",
        "third_party/google/api/annotations.proto",
        "third_party/google/api/http.proto",
        "configs/config.yaml",
        "internal/conf/conf.proto",
        "internal/server/http.ts",
        "internal/server/grpc.ts",
        "internal/service/pet_store.ts",
        "internal/service/pet_store_test.ts",
        "internal/biz/pet_store.ts",
        "internal/data/pet_store.ts",
        "main.ts",
        "worker.ts",
        "buf.yaml",
        "buf.gen.yaml",
        "deno.json",
        "README.md",
      ]
    ) {
      assert.ok((await Deno.stat(`${project}/${file}`)).isFile, file);
      assert.match(out.stdout, new RegExp(`^  ${file.replaceAll(".", "\\.")}$`, "m"), file);
    }
    const proto = await Deno.readTextFile(`${project}/api/pet_store/v1/pet_store.proto`);
    assert.match(proto, /^package pet_store\.v1;$/m);
    assert.match(proto, /^service PetStore \{$/m);
    assert.match(proto, /GREETING_NOT_FOUND = 1 \[\(errors\.code\) = 404\];/);
    const config = JSON.parse(await Deno.readTextFile(`${project}/deno.json`));
    assert.equal(config.imports["@atreus/atreus"], `${root}mod.ts`);
    assert.deepEqual(Object.keys(config.tasks).sort(), ["dev", "gen", "start", "test"]);
    const biz = await Deno.readTextFile(`${project}/internal/biz/pet_store.ts`);
    const data = await Deno.readTextFile(`${project}/internal/data/pet_store.ts`);
    assert.match(biz, /export interface GreetingRepo/);
    assert.match(data, /implements GreetingRepo/);
    assert.doesNotMatch(biz, /data\//, "biz must not depend on data");
  });

  await t.step("gen runs buf with both plugins", async () => {
    const out = await atreus(["gen", "--dir", project], { cwd: tmp.path });
    assert.equal(out.code, 0, out.stderr);
    for (
      const file of [
        "gen/pet_store/v1/pet_store_pb.ts",
        "gen/pet_store/v1/pet_store_errors.ts",
        "gen/conf/conf_pb.ts",
      ]
    ) {
      assert.ok((await Deno.stat(`${project}/${file}`)).isFile, file);
    }
    const errors = await Deno.readTextFile(`${project}/gen/pet_store/v1/pet_store_errors.ts`);
    assert.match(errors, /export function isGreetingNotFound/);
    assert.match(errors, /from "@atreus\/atreus\/errors"/);
  });

  await t.step("the project passes deno fmt, lint and check", async () => {
    await denoIn(project, ["fmt", "--check"]);
    await denoIn(project, ["lint"]);
    await denoIn(project, ["check", "."]);
  });

  await t.step("the project's own tests pass", async () => {
    const out = await denoIn(project, ["task", "test"]);
    assert.match(out, /ok \| 2 passed \| 0 failed/);
  });

  await t.step("main.ts serves Connect, REST and gRPC; SIGTERM exits 0", async () => {
    const [httpPort, grpcPort] = [freePort(), freePort()];
    const app = new Child("pet_store", Deno.execPath(), ["run", "-A", "main.ts"], {
      cwd: project,
      env: addressEnv(`127.0.0.1:${httpPort}`, `127.0.0.1:${grpcPort}`),
    });
    try {
      const [, http, grpc] = await app.waitFor(serving, 60_000);
      assert.equal(http, `http://127.0.0.1:${httpPort}`);
      assert.equal(grpc, `127.0.0.1:${grpcPort}`);

      assert.deepEqual(await sayHello(http, "ada"), { message: "Hello ada" });
      assert.deepEqual(await getGreeting(http, "ada"), {
        status: 200,
        body: { name: "ada", count: 1 },
      });
      const viaGrpc = await bufCurl("grpc", `http://${grpc}/pet_store.v1.PetStore/SayHello`, {
        name: "ada",
      }, { schema: project });
      assert.equal(viaGrpc.code, 0, viaGrpc.stderr);
      assert.deepEqual(viaGrpc.messages, [{ message: "Hello ada" }]);
      assert.deepEqual((await getGreeting(http, "ada")).body, { name: "ada", count: 2 });

      const rest = await getGreeting(http, "nobody");
      assert.equal(rest.status, 404);
      assert.equal(rest.body.reason, "GREETING_NOT_FOUND");
      assert.deepEqual(rest.body.metadata, { name: "nobody" });
      const { PetStore } = await import(
        pathToFileURL(`${project}/gen/pet_store/v1/pet_store_pb.ts`).href
      );
      // The HTTP/2 session is closed by the test before the server goes away: Deno's
      // node:http2 client can crash the process when a peer drops a session it still holds.
      const sessions = new Http2SessionManager(`http://${grpc}`);
      try {
        for (
          const transport of [
            createConnectTransport({ baseUrl: http }),
            createGrpcTransport({ baseUrl: `http://${grpc}`, sessionManager: sessions }),
          ]
        ) {
          const error = await reasonOf(PetStore, transport, "nobody");
          assert.equal(error.reason, "GREETING_NOT_FOUND");
          assert.equal(error.code, 404);
        }
      } finally {
        sessions.abort();
      }

      // Observable out of the box: /metrics counts the calls above and passes promtool's lint.
      const scrape = await (await fetch(`${http}/metrics`)).text();
      assert.match(
        scrape,
        /^rpc_server_call_duration_seconds_count\{rpc_system_name="grpc",rpc_method="pet_store\.v1\.PetStore\/SayHello",rpc_status_code="OK"\} 1$/m,
      );
      const lint = await promtool(scrape);
      assert.deepEqual(lint, { code: 0, output: "" });

      app.kill("SIGTERM");
      assert.equal((await app.exited()).code, 0, app.output);
    } finally {
      await app.close();
    }
  });

  await t.step("proto add writes a proto that gen and check accept", async () => {
    const out = await atreus(["proto", "add", "api/pet_store/v1/owner.proto", "--dir", project], {
      cwd: tmp.path,
    });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /package pet_store\.v1, service Owner/);
    const proto = await Deno.readTextFile(`${project}/api/pet_store/v1/owner.proto`);
    assert.match(proto, /^package pet_store\.v1;$/m);
    assert.match(proto, /rpc ListOwner\(ListOwnerRequest\) returns \(ListOwnerReply\);/);
    const again = await atreus(["proto", "add", "api/pet_store/v1/owner.proto"], { cwd: project });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /owner\.proto already exists/);

    const gen = await atreus(["gen"], { cwd: project });
    assert.equal(gen.code, 0, gen.stderr);
    const pb = await Deno.readTextFile(`${project}/gen/pet_store/v1/owner_pb.ts`);
    assert.match(pb, /export const Owner: GenService</);
    await denoIn(project, ["check", "gen/pet_store/v1/owner_pb.ts"]);
  });

  await t.step("atreus run --no-watch forwards arguments and the app's exit code", async () => {
    const out = await atreus(["run", "--no-watch", "--", "--conf", `${tmp.path}/missing.yaml`], {
      cwd: project,
    });
    assert.notEqual(out.code, 0, out.stderr);
    assert.match(out.stderr, /missing\.yaml/);
    assert.doesNotMatch(out.stderr, /waiting for a change/);
  });

  await t.step("atreus run restarts on a change and stops with exit 0", async () => {
    const [httpPort, grpcPort] = [freePort(), freePort()];
    const runner = new Child("atreus run", Deno.execPath(), [
      "run",
      "-A",
      CLI,
      "run",
      "--dir",
      project,
    ], { cwd: tmp.path, env: addressEnv(`127.0.0.1:${httpPort}`, `127.0.0.1:${grpcPort}`) });
    const apps: number[] = [];
    try {
      apps.push(Number((await runner.waitFor(/started main\.ts \(run 1, pid (\d+)\)/))[1]));
      const [, http] = await runner.waitFor(serving, 60_000);
      await sayHello(http, "ada");
      assert.equal((await getGreeting(http, "ada")).status, 200);

      const data = `${project}/internal/data/pet_store.ts`;
      await Deno.writeTextFile(data, "// touched\n", { append: true });
      await runner.waitFor(/internal\/data\/pet_store\.ts changed, restarting/);
      apps.push(Number((await runner.waitFor(/started main\.ts \(run 2, pid (\d+)\)/))[1]));
      await runner.waitFor(nth(serving, 2), 60_000);
      assert.notEqual(apps[1], apps[0]);
      // A new process starts with an empty in-memory repository.
      assert.equal((await getGreeting(http, "ada")).status, 404);

      runner.kill("SIGTERM");
      assert.equal((await runner.exited()).code, 0, runner.output);
      assert.match(runner.output, /msg="app stopped"/);
    } finally {
      await runner.close();
      // The app runs in its own session; should the runner have died first, end it here.
      for (const pid of apps) {
        try {
          Deno.kill(pid, "SIGKILL");
        } catch {
          // already gone, as it should be
        }
      }
    }
  });
});
