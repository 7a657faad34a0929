// Wrong invocations of the atreus CLI end with a message naming the problem and a non-zero
// exit code, and leave the file system as it was.
import assert from "node:assert/strict";
import { atreus, tempDir } from "../support/cli.ts";
import { root } from "../support/tools.ts";

const repo = root.replace(/\/$/, "");

Deno.test("atreus: unknown command, unknown flag, missing argument, no command", async () => {
  await using tmp = await tempDir();
  const cwd = tmp.path;
  const unknown = await atreus(["frobnicate"], { cwd });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /atreus: unknown command "frobnicate"/);
  assert.match(unknown.stderr, /atreus help/);

  const flag = await atreus(["new", "x", "--bogus"], { cwd });
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /new: Unknown option '--bogus'/);

  const missing = await atreus(["new"], { cwd });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /new: expected 1 argument, got 0/);

  const extra = await atreus(["gen", "stray"], { cwd });
  assert.equal(extra.code, 2);
  assert.match(extra.stderr, /gen: expected no arguments, got 1 \(stray\)/);

  const none = await atreus([], { cwd });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /Usage: atreus <command>/);

  const sub = await atreus(["proto", "client", "api/x/v1/x.proto"], { cwd });
  assert.equal(sub.code, 2);
  assert.match(sub.stderr, /proto: unknown subcommand "client"/);
  assert.deepEqual([...Deno.readDirSync(cwd)], []);
});

Deno.test("atreus new: refuses a non-empty directory and writes nothing", async () => {
  await using tmp = await tempDir();
  await Deno.mkdir(`${tmp.path}/shop`);
  await Deno.writeTextFile(`${tmp.path}/shop/notes.txt`, "mine");
  const out = await atreus(["new", "shop", "--atreus", repo], { cwd: tmp.path });
  assert.equal(out.code, 1);
  assert.match(out.stderr, /shop is not empty \(1 entry\); choose a new or empty directory/);
  assert.deepEqual([...Deno.readDirSync(`${tmp.path}/shop`)].map((e) => e.name), ["notes.txt"]);

  await Deno.writeTextFile(`${tmp.path}/plain.txt`, "");
  const file = await atreus(["new", "plain.txt", "--name", "shop", "--atreus", repo], {
    cwd: tmp.path,
  });
  assert.equal(file.code, 1);
  assert.match(file.stderr, /plain\.txt exists and is not a directory/);
});

Deno.test("atreus new: refuses names that are not lowercase identifiers", async () => {
  await using tmp = await tempDir();
  const cwd = tmp.path;
  const cases: [string[], RegExp][] = [
    [["new", "a", "--name", "Shop"], /invalid service name "Shop": use a lowercase identifier/],
    [["new", "a", "--name", "my-shop"], /invalid service name "my-shop"/],
    [["new", "a", "--name", "9lives"], /invalid service name "9lives"/],
    [["new", "a", "--name", "shop__v2"], /invalid service name "shop__v2"/],
    [["new", "a", "--name", "map"], /"map": Map clashes with an existing type/],
    [["new", "a", "--name", "error_reason"], /ErrorReason clashes/],
    [["new", "My-Service"], /invalid service name "My-Service"[\s\S]*pass --name <service>/],
  ];
  for (const [args, message] of cases) {
    const out = await atreus([...args, "--atreus", repo], { cwd });
    assert.equal(out.code, 2, args.join(" "));
    assert.match(out.stderr, message, args.join(" "));
  }
  assert.deepEqual([...Deno.readDirSync(cwd)], [], "nothing written");
});

Deno.test("atreus new: refuses an --atreus that is not an Atreus checkout", async () => {
  await using tmp = await tempDir();
  const cwd = tmp.path;
  const nowhere = await atreus(["new", "shop", "--atreus", `${cwd}/nowhere`], { cwd });
  assert.equal(nowhere.code, 2);
  assert.match(nowhere.stderr, /nowhere: no deno\.json there; expected an Atreus checkout/);
  await Deno.writeTextFile(`${cwd}/deno.json`, `{"name":"@other/pkg","exports":"./mod.ts"}`);
  const other = await atreus(["new", "shop", "--atreus", "."], { cwd });
  assert.equal(other.code, 2);
  assert.match(other.stderr, /is not the @atreus\/atreus package \(name "@other\/pkg"\)/);
  const scheme = await atreus(["new", "shop", "--atreus", "https://example.com/x"], { cwd });
  assert.equal(scheme.code, 2);
  assert.match(scheme.stderr, /expected a jsr: specifier or a directory/);
  assert.deepEqual([...Deno.readDirSync(cwd)].map((e) => e.name), ["deno.json"]);
});

Deno.test("atreus gen, run and proto add: outside a project they say so", async () => {
  await using tmp = await tempDir();
  const cwd = tmp.path;
  const gen = await atreus(["gen"], { cwd });
  assert.equal(gen.code, 1);
  assert.match(gen.stderr, /no buf\.gen\.yaml in .*: not an Atreus project \(see atreus new\)/);
  const run = await atreus(["run", "--dir", cwd], { cwd });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /no main\.ts in .*: not an Atreus project/);
  const path = await atreus(["proto", "add", "cart.txt"], { cwd });
  assert.equal(path.code, 2);
  assert.match(path.stderr, /invalid proto path "cart\.txt"/);
  const flat = await atreus(["proto", "add", "api/cart.proto"], { cwd });
  assert.equal(flat.code, 2);
  assert.match(flat.stderr, /needs a directory for the package, e\.g\. api\/cart\/v1\//);
  const outside = await atreus(["proto", "add", "../x/v1/x.proto"], { cwd });
  assert.equal(outside.code, 2);
  const upper = await atreus(["proto", "add", "api/Shop/v1/cart.proto"], { cwd });
  assert.equal(upper.code, 2);
  assert.match(upper.stderr, /invalid package part "Shop" of api\/Shop\/v1\/cart\.proto/);
  assert.deepEqual([...Deno.readDirSync(cwd)], []);
});

Deno.test("atreus version and help", async () => {
  await using tmp = await tempDir();
  const cwd = tmp.path;
  const config = JSON.parse(await Deno.readTextFile(`${root}deno.json`));
  for (const args of [["version"], ["--version"], ["-v"]]) {
    const out = await atreus(args, { cwd });
    assert.equal(out.code, 0);
    assert.equal(out.stdout, `atreus ${config.version}\n`);
  }
  const help = await atreus(["help"], { cwd });
  assert.equal(help.code, 0);
  for (const command of ["new", "gen", "proto add", "run", "version", "help"]) {
    assert.match(help.stdout, new RegExp(`^  ${command}`, "m"), command);
  }
  const newHelp = await atreus(["new", "--help"], { cwd });
  assert.equal(newHelp.code, 0);
  assert.match(newHelp.stdout, /^atreus new <dir> \[--name <service>\]/);
  assert.equal(
    (await atreus(["help", "run"], { cwd })).stdout,
    (await atreus(["run", "-h"], { cwd })).stdout,
  );
  const bad = await atreus(["help", "nope"], { cwd });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /help: unknown command "nope"/);
});

Deno.test("atreus gen: a broken proto fails with buf's diagnosis", async () => {
  await using tmp = await tempDir();
  const cwd = tmp.path;
  await Deno.mkdir(`${cwd}/api/bad/v1`, { recursive: true });
  await Deno.writeTextFile(`${cwd}/buf.yaml`, "version: v2\nmodules:\n  - path: api\n");
  await Deno.writeTextFile(
    `${cwd}/buf.gen.yaml`,
    "version: v2\nplugins:\n  - local: protoc-gen-es\n    out: gen\n",
  );
  await Deno.writeTextFile(`${cwd}/api/bad/v1/bad.proto`, 'syntax = "proto3";\nmessage {\n');
  const out = await atreus(["gen"], { cwd });
  assert.equal(out.code, 1);
  assert.match(
    out.stderr,
    /atreus: buf generate failed in .* \(exit \d+\):\n.*bad\/v1\/bad\.proto:2/,
  );
  assert.equal([...Deno.readDirSync(cwd)].some((e) => e.name === "gen"), false);
});
