// The CLI's building blocks: placeholders, names, proto paths, the Atreus source, the template
// manifest, tool lookup, and the versions the CLI hard-codes staying equal to deno.json's.
import assert from "node:assert/strict";
import { render } from "../../cmd/atreus/render.ts";
import { checkServiceName, pascalCase, serviceVars } from "../../cmd/atreus/names.ts";
import {
  bufPackage,
  CliError,
  defaultAtreus,
  findGenTools,
  protocGenAtreusErrorsModule,
  protocGenEsPackage,
  protoPackage,
  resolveAtreus,
  USAGE,
  version,
} from "../../cmd/atreus/mod.ts";
import { projectConfig, projectNpmImports } from "../../cmd/atreus/project_config.ts";
import { projectTemplates, protoTemplate } from "../../cmd/atreus/templates.ts";
import { findExecutable } from "../../cmd/atreus/locate.ts";
import { googleApiProto, googleApiProtos } from "../../cmd/atreus/third_party.ts";
import { root } from "../support/tools.ts";
import { tempDir } from "../support/cli.ts";

const config = JSON.parse(await Deno.readTextFile(`${root}deno.json`));

Deno.test("render replaces known placeholders and refuses unknown ones", () => {
  const vars = serviceVars("pet_store", "pet_store.v1");
  assert.deepEqual(vars, {
    name: "pet_store",
    Name: "PetStore",
    NAME: "PET_STORE",
    package: "pet_store.v1",
  });
  assert.equal(
    render(`service {{Name}} {} // {{ package }} {{NAME}}_ {get: "/{name}"}`, vars, "t"),
    `service PetStore {} // pet_store.v1 PET_STORE_ {get: "/{name}"}`,
  );
  assert.throws(
    () => render("x {{nmae}}", vars, "a.tmpl"),
    /a\.tmpl: unknown placeholder \{\{nmae\}\}/,
  );
});

Deno.test("service names: lowercase identifiers that clash with nothing", () => {
  assert.equal(pascalCase("shop"), "Shop");
  assert.equal(pascalCase("user_profile_v2"), "UserProfileV2");
  for (const ok of ["shop", "user_profile", "a1", "shop_v2"]) checkServiceName(ok);
  for (const bad of ["", "Shop", "_shop", "shop_", "a__b", "1a", "my-shop", "promise", "deno"]) {
    assert.throws(
      () => checkServiceName(bad),
      (e) => e instanceof CliError && e.exitCode === USAGE,
      bad,
    );
  }
});

Deno.test("proto add derives package and service from the path", () => {
  assert.deepEqual(protoPackage("api/shop/v1/cart.proto"), { package: "shop.v1", stem: "cart" });
  assert.deepEqual(protoPackage("./api/shop/v1/cart_item.proto"), {
    package: "shop.v1",
    stem: "cart_item",
  });
  assert.deepEqual(protoPackage("billing/v2/invoice.proto"), {
    package: "billing.v2",
    stem: "invoice",
  });
  for (
    const bad of [
      "/abs/x/v1/x.proto",
      "../x/v1/x.proto",
      "api/x/v1/x.txt",
      "x.proto",
      "api/x.proto",
    ]
  ) {
    assert.throws(() => protoPackage(bad), CliError, bad);
  }
});

Deno.test("--atreus: jsr specifiers map the package and its subpaths", () => {
  const jsr = resolveAtreus(defaultAtreus);
  assert.deepEqual(jsr.imports, {
    "@atreus/atreus": "jsr:@atreus/atreus@^0.1",
    "@atreus/atreus/": "jsr:/@atreus/atreus@^0.1/",
  });
  assert.equal(jsr.cli, "deno run -A jsr:@atreus/atreus@^0.1/cmd");
  assert.equal(jsr.localRoot, undefined);
  assert.throws(() => resolveAtreus("jsr:atreus"), /expected jsr:@scope\/name\[@range\]/);
});

Deno.test("--atreus: a checkout maps every export to its file", () => {
  const local = resolveAtreus(root, "/");
  const exports = Object.keys(config.exports);
  assert.equal(Object.keys(local.imports).length, exports.length);
  assert.equal(local.imports["@atreus/atreus"], `${root}mod.ts`);
  assert.equal(local.imports["@atreus/atreus/transport"], `${root}transport/mod.ts`);
  assert.equal(local.cli, `deno run -A ${root}cmd/atreus/main.ts`);
  const tasks = projectConfig(local).tasks as Record<string, string>;
  assert.equal(tasks.gen, `deno run -A ${root}cmd/atreus/main.ts gen`);
  assert.equal(tasks.dev, `deno run -A ${root}cmd/atreus/main.ts run`);
});

Deno.test("hard-coded versions equal deno.json's", () => {
  assert.equal(version, config.version);
  for (const [key, value] of Object.entries(projectNpmImports)) {
    assert.equal(value, config.imports[key], key);
  }
});

Deno.test("a new project, like this repository, loads import() targets on first use", () => {
  // Without it Deno prepares every module behind a literal import() at each start.
  const project = projectConfig(resolveAtreus(root, "/"));
  assert.deepEqual(project.unstable, ["lazy-dynamic-imports"]);
  assert.ok((config.unstable as string[]).includes("lazy-dynamic-imports"));
});

Deno.test("the template manifest lists every template file exactly once", async () => {
  const base = `${root}cmd/atreus/templates/`;
  const onDisk: string[] = [];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(base + dir)) {
      const path = dir + entry.name;
      if (entry.isDirectory) await walk(`${path}/`);
      else onDisk.push(path);
    }
  };
  await walk("");
  const listed = [...projectTemplates.map((t) => t.template), protoTemplate];
  assert.deepEqual([...listed].sort(), onDisk.sort());
  const outputs = projectTemplates.map((t) => t.output);
  assert.equal(new Set(outputs).size, outputs.length);
});

Deno.test("gen uses local tools when installed, else npm packages through Deno", async () => {
  await using tmp = await tempDir();
  const missing = findGenTools(tmp.path, [tmp.path]);
  assert.deepEqual(missing.buf.slice(1), [
    "run",
    "-A",
    "--quiet",
    "--no-config",
    "--no-lock",
    bufPackage,
  ]);
  assert.equal(missing.buf[0], Deno.execPath());
  assert.equal(missing.protocGenEs.at(-1), protocGenEsPackage);
  // A checkout runs its own plugin source with its own import map.
  assert.equal(missing.protocGenAtreusErrors.at(-1), `${root}cmd/protoc-gen-atreus-errors/main.ts`);
  assert.ok(missing.protocGenAtreusErrors.includes(`${root}deno.json`));

  await Deno.writeTextFile(`${tmp.path}/buf`, "#!/bin/sh\n");
  assert.equal(findGenTools(tmp.path, [tmp.path]).buf.at(-1), bufPackage, "not executable");
  await Deno.chmod(`${tmp.path}/buf`, 0o755);
  assert.equal(findExecutable("buf", ["/nonexistent", tmp.path]), `${tmp.path}/buf`);
  const found = findGenTools(tmp.path, [tmp.path]);
  assert.deepEqual(found.buf, [`${tmp.path}/buf`]);
  assert.equal(found.protocGenEs.at(-1), protocGenEsPackage);
});

Deno.test("the npm tools gen falls back to are the versions tools/ installs and code imports", async () => {
  const tools = JSON.parse(await Deno.readTextFile(`${root}tools/package.json`)).dependencies;
  assert.equal(bufPackage, `npm:@bufbuild/buf@${tools["@bufbuild/buf"]}`);
  assert.equal(
    protocGenEsPackage,
    `npm:@bufbuild/protoc-gen-es@${tools["@bufbuild/protoc-gen-es"]}`,
  );
  assert.equal(
    protocGenEsPackage.replace("protoc-gen-es", "protobuf"),
    config.imports["@bufbuild/protobuf"],
  );
  assert.equal(
    protocGenAtreusErrorsModule,
    `jsr:${config.name}@${config.version}/protoc-gen-atreus-errors`,
  );
  assert.equal(
    config.exports["./protoc-gen-atreus-errors"],
    "./cmd/protoc-gen-atreus-errors/main.ts",
  );
});

Deno.test("the shipped google/api protos are googleapis' own", async () => {
  for (const proto of googleApiProtos) {
    assert.equal(
      await googleApiProto(proto),
      await Deno.readTextFile(`${root}tools/node_modules/google-proto-files/${proto}`),
      proto,
    );
  }
});
