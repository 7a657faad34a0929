// The file source against real files: formats, directory order, atomic rename-and-replace
// saves, a broken edit kept out, backup-style saves, added and removed files, and symlink swaps.
import assert from "node:assert/strict";
import { ConfigError, createConfig, file, InvalidOptionError } from "../../config/mod.ts";
import { Events, recordingLogger } from "../support/config.ts";
import { bundleWorker, startWorkerd, type Workerd, workerdConfig } from "../support/workerd.ts";

/** A temporary directory removed when the `await using` scope ends. */
async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "atreus-config-" });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

/** Saves like editors that write a temp file and rename it over the target. */
async function atomicWrite(path: string, text: string) {
  const tmp = `${path.slice(0, path.lastIndexOf("/"))}/.tmp-${crypto.randomUUID()}`;
  await Deno.writeTextFile(tmp, text);
  await Deno.rename(tmp, path);
}

Deno.test("a directory is read in lexical order across json, yaml, yml and toml", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await Deno.writeTextFile(
    `${dir}/00-base.yaml`,
    "server:\n  addr: ':8000'\n  timeout: 1s\nlist: [1, 2]\n",
  );
  await Deno.writeTextFile(`${dir}/10-override.yml`, "server:\n  addr: ':8080'\n");
  await Deno.writeTextFile(
    `${dir}/20-extra.toml`,
    '[data.database]\ndriver = "mysql"\nlist = [3]\n',
  );
  await Deno.writeTextFile(
    `${dir}/30-last.json`,
    '{"list": [4], "data": {"database": {"port": 3306}}}',
  );
  await Deno.writeTextFile(`${dir}/.hidden.yaml`, "server: {addr: hidden}\n");
  await Deno.writeTextFile(`${dir}/99-backup.yaml~`, "server: {addr: backup}\n");
  await Deno.writeTextFile(`${dir}/notes.txt`, "not config");
  await Deno.mkdir(`${dir}/sub.yaml`);
  await using config = createConfig({ sources: [file(dir)] });
  await config.load();
  assert.deepEqual(config.value("").raw(), {
    server: { addr: ":8080", timeout: "1s" },
    list: [4],
    data: { database: { driver: "mysql", list: [3], port: 3306 } },
  });
  assert.equal(config.explain("server.addr")?.location, `${dir}/10-override.yml`);
  assert.equal(config.explain("server.timeout")?.location, `${dir}/00-base.yaml`);
});

Deno.test("atomic saves reload; a broken save keeps the last good config and reports it", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const path = `${dir}/config.yaml`;
  await Deno.writeTextFile(path, "server:\n  addr: ':8000'\nlog:\n  level: info\n");
  const errors = new Events<ConfigError>();
  const logger = recordingLogger();
  await using config = createConfig({
    sources: [file(path, { debounceMs: 20 })],
    onError: errors.push,
    logger,
  });
  await config.load();
  const levels = new Events<string>();
  config.watch("log.level", (v) => levels.push(v.string()));

  await atomicWrite(path, "server:\n  addr: ':8000'\nlog:\n  level: debug\n");
  assert.equal(await levels.take("reload after an atomic save"), "debug");

  await atomicWrite(path, "server:\n  addr: ':8000'\nlog:\n  level: [unclosed\n");
  const broken = await errors.take("parse error");
  assert.equal(broken.code, "parse");
  assert.ok(broken.message.includes(`file ${path}: invalid yaml`), broken.message);
  assert.equal(config.value("log.level").string(), "debug");
  assert.match(logger.messages[0], /^config: file .*invalid yaml/);

  await atomicWrite(path, "server:\n  addr: ':8000'\nlog:\n  level: warn\n");
  assert.equal(await levels.take("reload after the fix"), "warn");

  // Backup-style save: the original is renamed away, then a new file is written.
  await Deno.rename(path, `${path}~`);
  await Deno.writeTextFile(path, "server:\n  addr: ':8000'\nlog:\n  level: error\n");
  assert.equal(
    await levels.takeUntil((l) => l === "error", "reload after a backup-style save"),
    "error",
  );
  assert.deepEqual(levels.all.slice(0, 2), ["debug", "warn"]);
});

Deno.test("a watched directory sees added, changed and removed files", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await Deno.writeTextFile(`${dir}/a.yaml`, "name: a\nport: 1\n");
  await using config = createConfig({ sources: [file(dir, { debounceMs: 20 })] });
  await config.load();
  const names = new Events<string>();
  config.watch("name", (v) => names.push(v.string("(unset)")));

  await atomicWrite(`${dir}/b.json`, '{"name": "b"}');
  assert.equal(await names.take("added file"), "b");
  await atomicWrite(`${dir}/a.yaml`, "name: a2\n");
  await Deno.remove(`${dir}/b.json`);
  assert.equal(await names.takeUntil((n) => n === "a2", "removed file"), "a2");
  assert.equal(config.value("port").exists, false);
});

Deno.test("a Kubernetes-style ConfigMap symlink swap is picked up", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await Deno.mkdir(`${dir}/..v1`);
  await Deno.mkdir(`${dir}/..v2`);
  await Deno.writeTextFile(`${dir}/..v1/config.yaml`, "version: 1\n");
  await Deno.writeTextFile(`${dir}/..v2/config.yaml`, "version: 2\n");
  await Deno.symlink("..v1", `${dir}/..data`);
  await Deno.symlink("..data/config.yaml", `${dir}/config.yaml`);
  await using config = createConfig({ sources: [file(dir, { debounceMs: 20 })] });
  await config.load();
  assert.equal(config.value("version").number(), 1);
  const versions = new Events<number>();
  config.watch("version", (v) => versions.push(v.number()));
  await Deno.symlink("..v2", `${dir}/..data_tmp`);
  await Deno.rename(`${dir}/..data_tmp`, `${dir}/..data`);
  assert.equal(await versions.take("symlink swap"), 2);
});

Deno.test("missing paths, unknown formats and bad documents are clear errors", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const load = async (path: string) => {
    const config = createConfig({ sources: [file(path)] });
    try {
      await config.load();
    } finally {
      await config.close();
    }
  };
  await assert.rejects(
    load(`${dir}/absent.yaml`),
    (e: unknown) =>
      e instanceof ConfigError && e.code === "source" && e.message.includes("absent.yaml"),
  );
  await Deno.writeTextFile(`${dir}/c.ini`, "a=1");
  await assert.rejects(
    load(`${dir}/c.ini`),
    /no decoder for format "ini" \(known: json, yaml, yml, toml\)/,
  );
  await Deno.writeTextFile(`${dir}/list.yaml`, "- a\n- b\n");
  await assert.rejects(
    load(`${dir}/list.yaml`),
    /list\.yaml: the top level must be a mapping, got an array/,
  );
  await Deno.writeTextFile(`${dir}/bad.toml`, "a = \n");
  await assert.rejects(load(`${dir}/bad.toml`), /bad\.toml: invalid toml/);
  await Deno.writeTextFile(`${dir}/bad.json`, "{");
  await assert.rejects(load(`${dir}/bad.json`), /bad\.json: invalid json/);
  await Deno.writeFile(`${dir}/latin1.yaml`, new Uint8Array([0x61, 0x3a, 0x20, 0xe9]));
  await assert.rejects(
    load(`${dir}/latin1.yaml`),
    (e: unknown) => e instanceof ConfigError && e.code === "parse",
  );
  await Deno.writeTextFile(`${dir}/empty.yaml`, "");
  await load(`${dir}/empty.yaml`);
  assert.throws(() => file(""), InvalidOptionError);
});

Deno.test("custom decoders add formats", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await Deno.writeTextFile(`${dir}/app.ini`, "port=80\nhost=h\n");
  await using config = createConfig({
    sources: [file(dir, { extensions: ["ini"] })],
    decoders: {
      ini: (text) => Object.fromEntries(text.trim().split("\n").map((l) => l.split("="))),
    },
  });
  await config.load();
  assert.deepEqual(config.value("").raw(), { port: "80", host: "h" });
});

Deno.test("on Cloudflare Workers (real workerd) the file source says it is unavailable", async () => {
  const dir = await Deno.makeTempDir({ prefix: "atreus-config-workerd-" });
  let workerd: Workerd | undefined;
  try {
    await bundleWorker("tests/config/worker_probe.ts", `${dir}/worker.js`);
    const running = await startWorkerd(dir, (port) => workerdConfig(port), "/ready");
    workerd = running;
    for (const round of [1, 2]) {
      // Twice: a refused source leaves the worker serving.
      const res = await fetch(`${running.base}/`, { signal: AbortSignal.timeout(20_000) });
      const body = await res.text();
      assert.equal(res.status, 200, `round ${round}: ${body}\n${running.child.output}`);
      const out = JSON.parse(body);
      assert.equal(out.userAgent, "Cloudflare-Workers", "this is workerd, not a fake");
      assert.equal(out.fileSource.name, "ConfigError");
      assert.equal(out.fileSource.code, "unsupported");
      assert.match(out.fileSource.message, /no file system \(Cloudflare Workers\); use env\(\)/);
      assert.equal(out.badOption.name, "InvalidOptionError");
      assert.equal(out.badOption.code, "invalid_option");
      assert.match(out.badOption.message, /^file: path must be a non-empty string/);
      assert.equal(out.memory, "warn");
    }
  } finally {
    if (workerd) await workerd.close();
    else await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
