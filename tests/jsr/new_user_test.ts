// The new-user path as a user gets it, with only the local JSR registry (this checkout as
// `deno publish` ships it) and npm: `deno run -A jsr:@atreus/atreus/cmd new shop`, `deno task
// gen` with no buf, protoc-gen-es or google protos installed, the scaffold's own tests, `deno
// task dev` answering Connect, gRPC and REST and stopping gracefully on a signal, `atreus
// proto add` from `deno install -g`, and gen again. It runs twice: cold (a fresh DENO_DIR, so
// everything is downloaded) and warm (the same DENO_DIR), and prints each step's time.
import assert from "node:assert/strict";
import { bufCurl } from "../support/clients.ts";
import { Child, freePort, run } from "../support/process.ts";
import { packageConfig, registry, userEnv } from "../support/jsr.ts";

const { name, version } = packageConfig;
const serving = /shop serving (http:\/\/\S+) grpc:\/\/(\S+)/;
const timings: { pass: string; step: string; ms: number }[] = [];

interface User {
  readonly home: string;
  readonly env: Record<string, string>;
}

async function timed<T>(pass: string, step: string, f: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await f();
  timings.push({ pass, step, ms: Math.round(performance.now() - start) });
  return result;
}

// A command in the user's shell; fails the test with its output when it fails.
async function sh(user: User, cwd: string, cmd: string, args: string[]): Promise<string> {
  const out = await run(cmd, args, { cwd, env: user.env, clearEnv: true, timeoutMs: 300_000 });
  const text = out.stdout + out.stderr;
  assert.equal(out.code, 0, `${cmd} ${args.join(" ")} in ${cwd}:\n${text}`);
  return text;
}

async function served(path: string): Promise<boolean> {
  return await Promise.resolve(registry.requests.includes(`GET /${name}/${version}${path}`));
}

// `deno task dev`: all three protocols answer, then one signal stops the app gracefully.
async function dev(user: User, project: string, signal: Deno.Signal, pass: string) {
  const [http, grpc] = [freePort(), freePort()];
  const env = {
    ...user.env,
    SHOP__SERVER__HTTP__ADDR: `127.0.0.1:${http}`,
    SHOP__SERVER__GRPC__ADDR: `127.0.0.1:${grpc}`,
  };
  const task = new Child("deno task dev", Deno.execPath(), ["task", "dev"], {
    cwd: project,
    env,
    clearEnv: true,
  });
  try {
    const [, base, grpcAddr] = await timed(
      pass,
      "deno task dev → serving",
      () => task.waitFor(serving, 120_000),
    );
    assert.equal(base, `http://127.0.0.1:${http}`);
    const hello = await fetch(`${base}/shop.v1.Shop/SayHello`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "ada" }),
    });
    assert.equal(hello.status, 200);
    assert.deepEqual(await hello.json(), { message: "Hello ada" });
    const rest = await fetch(`${base}/v1/shop/greetings/ada`);
    assert.deepEqual(await rest.json(), { name: "ada", count: 1 });
    const missing = await fetch(`${base}/v1/shop/greetings/nobody`);
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).reason, "GREETING_NOT_FOUND");
    for (const protocol of ["grpc", "grpcweb"] as const) {
      const url = protocol === "grpc"
        ? `http://${grpcAddr}/shop.v1.Shop/SayHello`
        : `${base}/shop.v1.Shop/SayHello`;
      const out = await bufCurl(protocol, url, { name: "bob" }, { schema: project });
      assert.equal(out.code, 0, out.stderr);
      assert.deepEqual(out.messages, [{ message: "Hello bob" }]);
    }

    const stopTimeoutMs = 30_000; // App's default stopTimeout
    const status = await timed(pass, `${signal} → exit`, () => {
      task.kill(signal);
      return task.exited(stopTimeoutMs + 5_000);
    });
    assert.equal(status.code, 0, task.output);
    assert.match(task.output, new RegExp(`msg="app stopping" signal=${signal}`));
    assert.match(task.output, /msg="app stopped"/);
    assert.doesNotMatch(task.output, /stop timeout reached/);
    // Nothing outlives the task: the app is gone and its ports are free again.
    for (const port of [http, grpc]) Deno.listen({ hostname: "127.0.0.1", port }).close();
  } finally {
    await task.close();
  }
}

async function newUserPath(user: User, pass: string, signal: Deno.Signal) {
  const project = `${user.home}/shop`;
  const out = await timed(
    pass,
    "atreus new shop",
    () => sh(user, user.home, Deno.execPath(), ["run", "-A", `jsr:${name}/cmd`, "new", "shop"]),
  );
  assert.match(out, /created shop in /);
  for (const file of ["third_party/google/api/annotations.proto", "api/errors/errors.proto"]) {
    assert.ok((await Deno.stat(`${project}/${file}`)).isFile, file);
  }
  const config = JSON.parse(await Deno.readTextFile(`${project}/deno.json`));
  assert.equal(config.imports["@atreus/atreus"], "jsr:@atreus/atreus@^0.1");

  await timed(pass, "deno task gen", () => sh(user, project, Deno.execPath(), ["task", "gen"]));
  for (const file of ["shop/v1/shop_pb.ts", "shop/v1/shop_errors.ts", "conf/conf_pb.ts"]) {
    assert.ok((await Deno.stat(`${project}/gen/${file}`)).isFile, file);
  }
  const errors = await Deno.readTextFile(`${project}/gen/shop/v1/shop_errors.ts`);
  assert.match(errors, /^\/\/ @generated by protoc-gen-atreus-errors v0\.1\.0/m);
  assert.match(errors, /export function isGreetingNotFound/);

  const tests = await timed(
    pass,
    "deno task test",
    () => sh(user, project, Deno.execPath(), ["task", "test"]),
  );
  assert.match(tests, /ok \| 2 passed \| 0 failed/);

  await dev(user, project, signal, pass);

  const root = `${user.home}/.deno`;
  await timed(pass, "deno install -g atreus", () =>
    sh(user, user.home, Deno.execPath(), [
      "install",
      "-g",
      "-A",
      "-n",
      "atreus",
      "--root",
      root,
      `jsr:${name}/cmd`,
    ]));
  const atreus = `${root}/bin/atreus`;
  assert.equal((await sh(user, project, atreus, ["version"])).trim(), `atreus ${version}`);
  const added = await timed(
    pass,
    "atreus proto add",
    () => sh(user, project, atreus, ["proto", "add", "api/shop/v1/cart.proto"]),
  );
  assert.match(added, /package shop\.v1, service Cart/);
  await timed(
    pass,
    "deno task gen (again)",
    () => sh(user, project, Deno.execPath(), ["task", "gen"]),
  );
  await sh(user, project, Deno.execPath(), ["check", "gen/shop/v1/cart_pb.ts", "main.ts"]);

  // Nothing was installed into the project: no node_modules, no package.json.
  for (const path of ["node_modules", "package.json"]) {
    await assert.rejects(Deno.stat(`${project}/${path}`), Deno.errors.NotFound, path);
  }
}

Deno.test("from JSR as a user gets it: new → gen → test → dev → proto add → gen", async (t) => {
  const home = await Deno.makeTempDir({ prefix: "atreus-user-" });
  try {
    const denoDir = `${home}/deno-dir`;
    for (const [pass, signal] of [["cold", "SIGTERM"], ["warm", "SIGINT"]] as const) {
      await t.step(
        `${pass} (${pass === "cold" ? "fresh" : "same"} DENO_DIR, ${signal})`,
        async () => {
          const user = { home: `${home}/${pass}`, env: userEnv(denoDir, `${home}/${pass}`) };
          await Deno.mkdir(user.home);
          // The user's PATH has Deno and the system, and none of the tools gen needs.
          for (const tool of ["buf", "protoc-gen-es", "protoc-gen-atreus-errors"]) {
            const which = await run("sh", ["-c", `command -v ${tool}`], {
              env: user.env,
              clearEnv: true,
            });
            assert.notEqual(which.code, 0, `${tool} is on the user's PATH: ${which.stdout}`);
          }
          await newUserPath(user, pass, signal);
        },
      );
    }
    // The errors plugin came from the registry, not from this checkout.
    assert.ok(await served("/cmd/protoc-gen-atreus-errors/main.ts"));
    const rows = timings.map((t) => `${t.pass.padEnd(5)} ${t.step.padEnd(26)} ${t.ms} ms`);
    console.log(`new-user path, step times:\n${rows.join("\n")}`);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
