// protoc-gen-atreus-errors run by buf as a local plugin on fixture protos, next to the shipped
// errors/errors.proto; the output is type-checked, imported and used.
import assert from "node:assert/strict";
import type { ConnectError } from "@connectrpc/connect";
import { findTrailerError, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { type AtreusError, toConnectError } from "../../errors/mod.ts";
import { camelCase } from "../../cmd/protoc-gen-atreus-errors/names.ts";
import { BUF, root } from "../support/tools.ts";

const plugin = `${root}cmd/protoc-gen-atreus-errors/protoc-gen-atreus-errors`;
const fixtures = `${root}tests/fixtures/proto/errors`;
const runtime = new URL("../../errors/mod.ts", import.meta.url).href;

interface Run {
  ok: boolean;
  stderr: string;
  dir: string;
}

// A buf workspace holding errors/errors.proto and one fixture tree, generated with `opts`.
async function generate(fixture: string, outputs: Record<string, string[]>): Promise<Run> {
  const dir = await Deno.makeTempDir({ prefix: "atreus-errors-gen-" });
  await Deno.mkdir(`${dir}/proto/errors`, { recursive: true });
  await Deno.copyFile(`${root}errors/errors.proto`, `${dir}/proto/errors/errors.proto`);
  await copyTree(`${fixtures}/${fixture}`, `${dir}/proto`);
  await Deno.writeTextFile(`${dir}/buf.yaml`, "version: v2\nmodules:\n  - path: proto\n");
  const plugins = Object.entries(outputs).map(([out, opt]) =>
    `  - local: ${JSON.stringify(plugin)}\n    out: ${out}\n    opt: ${JSON.stringify(opt)}\n`
  );
  await Deno.writeTextFile(`${dir}/buf.gen.yaml`, `version: v2\nplugins:\n${plugins.join("")}`);
  const result = await new Deno.Command(BUF, {
    args: ["generate"],
    cwd: dir,
    env: { DENO: Deno.execPath() },
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(120_000),
  }).output();
  return { ok: result.success, stderr: new TextDecoder().decode(result.stderr), dir };
}

async function copyTree(from: string, to: string): Promise<void> {
  for await (const entry of Deno.readDir(from)) {
    if (entry.isDirectory) {
      await Deno.mkdir(`${to}/${entry.name}`, { recursive: true });
      await copyTree(`${from}/${entry.name}`, `${to}/${entry.name}`);
    } else {
      await Deno.copyFile(`${from}/${entry.name}`, `${to}/${entry.name}`);
    }
  }
}

async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = `${prefix}${entry.name}`;
    if (entry.isDirectory) files.push(...await listFiles(`${dir}/${entry.name}`, `${path}/`));
    else files.push(path);
  }
  return files.sort();
}

type Generated = {
  isUserNotFound(err: unknown): boolean;
  errorUserNotFound(message: string, metadata?: Record<string, string>): AtreusError;
  isContentMissing(err: unknown): boolean;
  errorContentMissing(message: string): AtreusError;
  isDatabaseDown(err: unknown): boolean;
  errorDatabaseDown(message: string): AtreusError;
  isRateLimited(err: unknown): boolean;
  errorRateLimited(message: string): AtreusError;
  errorUserBanned(message: string): AtreusError;
};

Deno.test("generated helpers type-check, import and work, over the wire too", async () => {
  const run = await generate("good", {
    out: ["target=ts", `errors_import=${runtime}`],
    "out-default": ["target=ts"],
  });
  try {
    assert.ok(run.ok, run.stderr);
    assert.deepEqual(await listFiles(`${run.dir}/out`), ["user/v1/error_reason_errors.ts"]);
    const file = `${run.dir}/out/user/v1/error_reason_errors.ts`;
    const check = await new Deno.Command(Deno.execPath(), {
      args: ["check", "--quiet", `--config=${root}deno.json`, file],
      stderr: "piped",
      signal: AbortSignal.timeout(120_000),
    }).output();
    assert.ok(check.success, new TextDecoder().decode(check.stderr));

    const g: Generated = await import(new URL(`file://${file}`).href);
    const notFound = g.errorUserNotFound("user 42", { id: "42" });
    assert.equal(g.isUserNotFound(notFound), true);
    assert.deepEqual(
      [notFound.code, notFound.reason, notFound.message, notFound.metadata],
      [404, "USER_NOT_FOUND", "user 42", { id: "42" }],
    );
    assert.equal(g.isUserNotFound(g.errorContentMissing("x")), false);
    assert.equal(g.isUserNotFound(new Error("USER_NOT_FOUND")), false);
    assert.equal(g.isUserNotFound(undefined), false);
    const codes: [AtreusError, number][] = [
      [g.errorContentMissing("x"), 400], // own code
      [g.errorDatabaseDown("x"), 500], // the enum's default_code
      [g.errorRateLimited("x"), 429],
      [g.errorUserBanned("x"), 403],
    ];
    for (const [err, code] of codes) assert.equal(err.code, code, err.reason);
    assert.equal(g.isDatabaseDown(g.errorDatabaseDown("db")), true);
    assert.equal(g.errorRateLimited("x").reason, "Rate_limited", "reason is the value name");

    // A client decodes the same reason from a gRPC status.
    const trailer = setTrailerStatus(new Headers(), toConnectError(notFound) as ConnectError);
    assert.equal(g.isUserNotFound(findTrailerError(trailer)), true);

    const text = await Deno.readTextFile(file);
    const docs: string[] = [
      "/**\n * The user does not exist.\n * Ids are never reused, so retrying will not help. *\\/ " +
      "stays inside the comment.\n *\n * Whether `err` carries reason `USER_NOT_FOUND` and HTTP " +
      "status 404 (enum `user.v1.ErrorReason`).\n */\nexport function isUserNotFound(",
      " * The database did not answer.\n", // a trailing comment
      " * Reasons the user service fails with.\n", // the enum's comment, for values without one
      " * @deprecated\n */\nexport function isRateLimited(",
    ];
    for (const doc of docs) assert.ok(text.includes(doc), `JSDoc: ${doc}`);
    assert.ok(!/Color/i.test(text), "enums without codes generate nothing");

    const withDefault = await Deno.readTextFile(
      `${run.dir}/out-default/user/v1/error_reason_errors.ts`,
    );
    assert.ok(withDefault.includes('import { fromError, newError } from "@atreus/atreus/errors";'));
  } finally {
    await Deno.remove(run.dir, { recursive: true });
  }
});

Deno.test("a code that is not an HTTP status fails generation, naming the value", async () => {
  const run = await generate("bad", { out: ["target=ts"] });
  try {
    assert.equal(run.ok, false);
    assert.match(
      run.stderr,
      /order\.v1\.OrderError\.ORDER_LOST: code 1000 is not an HTTP status \(100–599\) \(in order\/v1\/error_reason\.proto\)/,
    );
  } finally {
    await Deno.remove(run.dir, { recursive: true });
  }
});

Deno.test("an unknown plugin option fails generation, naming it", async () => {
  const run = await generate("good", { out: ["target=ts", "error_import=x"] });
  try {
    assert.equal(run.ok, false);
    assert.match(run.stderr, /unknown option "error_import"/);
  } finally {
    await Deno.remove(run.dir, { recursive: true });
  }
});

Deno.test("helper names follow Kratos's CamelCase of the value name", () => {
  const cases: [string, string][] = [
    ["USER_NOT_FOUND", "UserNotFound"],
    ["NOT_FOUND", "NotFound"],
    ["USER", "User"],
    ["userNotFound", "UserNotFound"],
    ["Rate_limited", "RateLimited"],
    ["HTTP2_ERROR", "Http2Error"],
    ["__DOUBLE__UNDERSCORE_", "DoubleUnderscore"],
    ["_", ""],
  ];
  for (const [input, want] of cases) assert.equal(camelCase(input), want, input);
});
