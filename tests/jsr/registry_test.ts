// The local JSR registry against JSR's documented format and against Deno, the client that
// matters: what it serves for this checkout is exactly what `deno publish` packs, with JSR's
// metadata shapes, checksums, content types and cache headers; every module is unfurled to
// the import map's targets; Deno verifies the manifest (a changed byte fails) and reads the
// publish date (a fresh release is held back); bad uploads get JSR's error codes.
import assert from "node:assert/strict";
import { packTar } from "modern-tar";
import { packagePathProblem, sha256 } from "../../tools/jsr/mod.ts";
import { run } from "../support/process.ts";
import { packageConfig, registry, userEnv } from "../support/jsr.ts";
import { root } from "../support/tools.ts";

const { name, version } = packageConfig;
const base = `${registry.url}${name}/`;
const importMap: Record<string, string> = JSON.parse(
  await Deno.readTextFile(`${root}deno.json`),
).imports;

async function getJson(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url);
  assert.equal(res.status, 200, url);
  assert.equal(res.headers.get("content-type"), "application/json", url);
  return await res.json();
}

const versionMeta = await getJson(`${base}${version}_meta.json`) as {
  manifest: Record<string, { size: number; checksum: string }>;
  exports: Record<string, string>;
};
const files = Object.keys(versionMeta.manifest);

Deno.test("the registry serves exactly the files deno publish --dry-run lists", async () => {
  const out = await run(Deno.execPath(), ["publish", "--dry-run", "--allow-dirty"], {
    cwd: root,
    env: { NO_COLOR: "1" },
    timeoutMs: 180_000,
  });
  assert.equal(out.code, 0, out.stderr);
  const listed = [...(out.stdout + out.stderr).matchAll(/^\s+file:\/\/(\S+) \(/gm)]
    .map(([, path]) => path.slice(root.length - 1));
  assert.ok(listed.length > 100, `dry run listed ${listed.length} files`);
  assert.deepEqual([...files].sort(), listed.sort());
  for (const path of ["/deno.json", "/mod.ts", "/cmd/atreus/third_party/google/api/http.proto"]) {
    assert.ok(files.includes(path), path);
  }
  assert.ok(!files.some((f) => f.startsWith("/tests/") || f === "/.git"), "excluded paths");
});

Deno.test("meta.json and <version>_meta.json have JSR's documented shape", async () => {
  const meta = await getJson(`${base}meta.json`);
  assert.deepEqual(Object.keys(meta).sort(), ["latest", "name", "scope", "versions"]);
  assert.equal(`@${meta.scope}/${meta.name}`, name);
  assert.equal(meta.latest, version);
  const versions = meta.versions as Record<string, { createdAt: string }>;
  assert.deepEqual(Object.keys(versions), [version]);
  assert.ok(!Number.isNaN(Date.parse(versions[version].createdAt)));

  assert.deepEqual(Object.keys(versionMeta).sort(), ["exports", "manifest"]);
  const exports = Object.fromEntries(
    Object.entries(packageConfig.exports).map(([k, v]) => [k, v.startsWith("./") ? v : `./${v}`]),
  );
  assert.deepEqual(versionMeta.exports, exports);
  for (const [path, entry] of Object.entries(versionMeta.manifest)) {
    assert.match(path, /^\/[^/]/);
    assert.deepEqual(Object.keys(entry).sort(), ["checksum", "size"], path);
    assert.match(entry.checksum, /^sha256-[0-9a-f]{64}$/, path);
  }
  const missing = await fetch(`${registry.url}@atreus/nothing/meta.json`);
  assert.equal(missing.status, 404);
  assert.equal((await missing.json()).code, "packageNotFound");
});

Deno.test("every file matches its manifest entry, with JSR's content type and headers", async () => {
  const types: Record<string, string> = {
    ts: "text/typescript",
    json: "application/json",
    proto: "application/octet-stream",
    tmpl: "application/octet-stream",
    md: "application/octet-stream",
  };
  for (const path of files) {
    const res = await fetch(`${base}${version}${path}`);
    assert.equal(res.status, 200, path);
    const bytes = new Uint8Array(await res.arrayBuffer());
    assert.equal(bytes.length, versionMeta.manifest[path].size, path);
    assert.equal(await sha256(bytes), versionMeta.manifest[path].checksum, path);
    const ext = path.slice(path.lastIndexOf(".") + 1);
    assert.equal(res.headers.get("content-type"), types[ext] ?? res.headers.get("content-type"));
    assert.equal(res.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.match(res.headers.get("content-security-policy") ?? "", /sandbox/);
  }
  const url = `${base}${version}/mod.ts`;
  const etag = (await (await fetch(url)).body?.cancel(), (await fetch(url, { method: "HEAD" })))
    .headers.get("etag");
  assert.ok(etag);
  const again = await fetch(url, { headers: { "if-none-match": etag } });
  assert.equal(again.status, 304);
  const page = await fetch(url, { headers: { accept: "text/html" } });
  assert.equal(page.status, 406, "browser navigations never get module files");
  await page.body?.cancel();
});

// The import map target of a bare specifier: an exact key, else the longest prefix key.
function unfurled(specifier: string): string | undefined {
  if (Object.hasOwn(importMap, specifier)) return importMap[specifier];
  const prefix = Object.keys(importMap)
    .filter((k) => k.endsWith("/") && specifier.startsWith(k))
    .sort((a, b) => b.length - a.length)[0];
  return prefix === undefined ? undefined : importMap[prefix] + specifier.slice(prefix.length);
}

Deno.test("every published module differs from its source only by unfurled specifiers", async () => {
  let rewritten = 0;
  for (const path of files.filter((f) => f.endsWith(".ts"))) {
    const source = (await Deno.readTextFile(`${root}${path.slice(1)}`)).split("\n");
    const served = (await (await fetch(`${base}${version}${path}`)).text()).split("\n");
    assert.equal(served.length, source.length, path);
    for (const [i, line] of served.entries()) {
      if (line === source[i]) continue;
      const quoted = /"([^"]*)"/g;
      assert.equal(line.replace(quoted, '""'), source[i].replace(quoted, '""'), `${path}:${i + 1}`);
      const before = [...source[i].matchAll(quoted)].map((m) => m[1]);
      const after = [...line.matchAll(quoted)].map((m) => m[1]);
      for (const [j, specifier] of before.entries()) {
        if (after[j] === specifier) continue;
        assert.match(
          source[i],
          /\bfrom\s+"|\bimport\s*\(\s*"|^\s*import\s+"|\bimport\.meta\.resolve\(\s*"/,
          `${path}:${i + 1}`,
        );
        assert.equal(after[j], unfurled(specifier), `${path}:${i + 1}: ${specifier}`);
        rewritten++;
      }
    }
    // Nothing bare is left: every import is relative, jsr:, npm: or node: (examples in doc
    // comments keep the names users write).
    const code = served.filter((line) => /^\s*(import|export|\})\b/.test(line)).join("\n");
    for (const [, specifier] of code.matchAll(/\bfrom\s+"([^"]+)"/g)) {
      assert.match(specifier, /^(\.\.?\/|jsr:|npm:|node:)/, `${path}: ${specifier}`);
    }
  }
  assert.ok(rewritten > 50, `only ${rewritten} specifiers were unfurled`);
});

Deno.test("Deno loads every export and every module from the registry", async () => {
  await using tmp = await tempDirs();
  const reached = new Set<string>();
  for (const key of Object.keys(versionMeta.exports)) {
    const specifier = `jsr:${name}@${version}${key === "." ? "" : key.slice(1)}`;
    const out = await run(Deno.execPath(), ["info", "--json", specifier], {
      cwd: tmp.home,
      env: userEnv(tmp.denoDir, tmp.home),
      clearEnv: true,
      timeoutMs: 180_000,
    });
    assert.equal(out.code, 0, `${specifier}\n${out.stderr}`);
    const info = JSON.parse(out.stdout) as {
      modules: { specifier: string; error?: string; dependencies?: { specifier: string }[] }[];
    };
    for (const module of info.modules) {
      assert.equal(module.error, undefined, `${module.specifier}: ${module.error}`);
      if (!module.specifier.startsWith(`${base}${version}/`)) continue;
      reached.add(module.specifier.slice(`${base}${version}`.length));
      for (const dep of module.dependencies ?? []) {
        assert.match(dep.specifier, /^(\.\.?\/|jsr:|npm:|node:)/, module.specifier);
      }
    }
  }
  const modules = files.filter((f) => f.endsWith(".ts"));
  assert.deepEqual(modules.filter((m) => !reached.has(m)), [], "modules no export reaches");
});

// A proxy in front of the registry that changes one answer, to see what Deno makes of it.
async function proxied(
  rewrite: (path: string, body: string) => string | undefined,
): Promise<{ url: string } & AsyncDisposable> {
  const { promise, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: resolve }, async (req) => {
    const path = new URL(req.url).pathname;
    const upstream = await fetch(new URL(path, registry.url), { headers: req.headers });
    const body = await upstream.text();
    const changed = rewrite(path, body);
    return new Response(changed ?? body, { status: upstream.status, headers: upstream.headers });
  });
  const { port } = await promise;
  return { url: `http://127.0.0.1:${port}/`, [Symbol.asyncDispose]: () => server.shutdown() };
}

async function tempDirs(): Promise<{ home: string; denoDir: string } & AsyncDisposable> {
  const home = await Deno.makeTempDir({ prefix: "atreus-jsr-" });
  return {
    home,
    denoDir: `${home}/deno`,
    [Symbol.asyncDispose]: () => Deno.remove(home, { recursive: true }),
  };
}

async function cliVersion(
  jsrUrl: string,
): Promise<{ code: number; stdout: string; output: string }> {
  await using tmp = await tempDirs();
  const env = { ...userEnv(tmp.denoDir, tmp.home), JSR_URL: jsrUrl };
  const out = await run(Deno.execPath(), ["run", "-A", `jsr:${name}/cmd`, "version"], {
    cwd: tmp.home,
    env,
    clearEnv: true,
    timeoutMs: 120_000,
  });
  return { code: out.code, stdout: out.stdout, output: out.stdout + out.stderr };
}

Deno.test("Deno checks each module against the manifest: a changed byte is refused", async () => {
  const ok = await cliVersion(registry.url);
  assert.equal(ok.code, 0, ok.output);
  assert.equal(ok.stdout.trim(), `atreus ${version}`);
  await using proxy = await proxied((path, body) =>
    path.endsWith("/cmd/atreus/version.ts") ? body.replace(version, "9.9.9") : undefined
  );
  const tampered = await cliVersion(proxy.url);
  assert.notEqual(tampered.code, 0);
  assert.match(tampered.output, /[Ii]ntegrity check failed/);
  assert.doesNotMatch(tampered.output, /9\.9\.9/);
});

Deno.test("Deno reads the publish date: a release younger than a day is held back", async () => {
  await using proxy = await proxied((path, body) => {
    if (!path.endsWith("/meta.json") || path.includes("_meta")) return undefined;
    const meta = JSON.parse(body);
    for (const v of Object.values(meta.versions) as { createdAt: string }[]) {
      v.createdAt = new Date().toISOString();
    }
    return JSON.stringify(meta);
  });
  const fresh = await cliVersion(proxy.url);
  assert.notEqual(fresh.code, 0);
  assert.match(fresh.output, /minimum dependency age/);
});

async function upload(
  files: { name: string; data: string }[],
  options: { token?: string; version?: string; gzip?: boolean } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const tar = await packTar(
    files.map((f) => ({
      header: { name: f.name, size: f.data.length, type: "file" },
      body: f.data,
    })),
  );
  const gz = new Uint8Array(
    await new Response(new Blob([tar]).stream().pipeThrough(new CompressionStream("gzip")))
      .arrayBuffer(),
  );
  const res = await fetch(
    `${registry.url}api/scopes/atreus/packages/atreus/versions/${
      options.version ?? "0.0.1"
    }?config=/deno.json`,
    {
      method: "POST",
      headers: {
        authorization: `Bearer ${options.token ?? registry.token}`,
        ...(options.gzip === false ? {} : { "content-encoding": "gzip" }),
      },
      body: options.gzip === false ? tar : gz,
    },
  );
  return { status: res.status, body: await res.json() };
}

function config(overrides: Record<string, unknown> = {}): { name: string; data: string } {
  const value = { name, version: "0.0.1", license: "MIT", exports: "./mod.ts", ...overrides };
  return { name: "./deno.json", data: JSON.stringify(value) };
}

Deno.test("bad uploads get JSR's error codes and publish nothing", async () => {
  const mod = { name: "./mod.ts", data: "export const x = 1;\n" };
  const refused = async (
    files: { name: string; data: string }[],
    code: string,
    options: { token?: string; version?: string; gzip?: boolean } = {},
  ) => {
    const out = await upload(files, options);
    const got = out.status === 200 ? (out.body.error as { code?: string })?.code : out.body.code;
    assert.equal(got, code, `${code}: ${JSON.stringify(out.body)}`);
    if (out.status === 200) assert.equal(out.body.status, "failure");
  };
  await refused([config(), mod], "invalidBearerToken", { token: "wrong" });
  await refused([config(), mod], "missingGzipContentEncoding", { gzip: false });
  await refused([config(), mod], "malformedRequest", { version: "1.0" });
  await refused([config({ name: "@atreus/other" }), mod], "configFileNameMismatch");
  await refused([config({ version: "0.0.2" }), mod], "configFileVersionMismatch");
  await refused([config({ exports: "./missing.ts" }), mod], "configFileExportsInvalid");
  await refused([config({ license: undefined }), mod], "missingLicense");
  await refused([mod], "missingConfigFile");
  await refused([config(), mod, { name: "./a/../b.ts", data: "" }], "invalidPath");
  await refused([config(), mod, { name: "./Mod.ts", data: "" }], "caseInsensitiveDuplicatePath");
  assert.deepEqual(registry.versions(name).map((v) => v.version), [version]);

  const ok = await upload([config(), mod]);
  assert.equal(ok.body.status, "success");
  const duplicate = await upload([config(), mod]);
  assert.equal(duplicate.status, 409);
  assert.equal(duplicate.body.code, "duplicateVersionPublish");
  const meta = await getJson(`${base}meta.json`);
  assert.equal(meta.latest, version, "0.0.1 is older than the checkout's version");
});

Deno.test("package paths follow JSR's rules", () => {
  for (const good of ["/mod.ts", "/a/b-c_d.ts", "/.github/x.yml", "/x/[id].tsx", "/LICENSE"]) {
    assert.equal(packagePathProblem(good), undefined, good);
  }
  for (
    const [bad, why] of [
      ["mod.ts", /start with \//],
      ["/a//b.ts", /empty/],
      ["/a/", /trailing/],
      ["/a/./b.ts", /dot segment/],
      ["/a b.ts", /not allowed/],
      ["/a\\b.ts", /not allowed/],
      ["/x/CON.txt", /reserved/],
      ["/x/lpt1", /reserved/],
      ["/_dist/x.js", /_dist/],
      ["/file.", /ends with a dot/],
      [`/${"a".repeat(96)}`, /file name/],
      [`/${"a/".repeat(80)}x`, /155/],
    ] as const
  ) {
    assert.match(packagePathProblem(bad) ?? "", why, bad);
  }
});
