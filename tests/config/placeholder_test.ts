// Placeholders: defaults, types, missing keys, arrays, nesting, escapes, cycles; property tests
// of the parser and the resolver.
import assert from "node:assert/strict";
import fc from "fast-check";
import { ConfigError, createConfig, memory } from "../../config/mod.ts";
import {
  parseTemplate,
  printTemplate,
  resolveTree,
  type TemplatePart,
} from "../../config/placeholder.ts";

async function resolved(...layers: Record<string, unknown>[]) {
  const config = createConfig({ sources: layers.map((l) => memory(l)) });
  await config.load();
  const out = config.value("").raw();
  await config.close();
  return out as Record<string, unknown>;
}

async function loadError(...layers: Record<string, unknown>[]): Promise<ConfigError> {
  const config = createConfig({ sources: layers.map((l) => memory(l)) });
  try {
    await config.load();
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e;
  } finally {
    await config.close();
  }
  throw new Error("load() succeeded");
}

Deno.test("placeholders resolve against the merged config, across sources", async () => {
  const out = await resolved(
    { server: { addr: "${HOST}:${PORT}", name: "${app.name}-svc" }, app: { name: "demo" } },
    { HOST: "10.0.0.1", PORT: "9000" },
  );
  assert.deepEqual(out.server, { addr: "10.0.0.1:9000", name: "demo-svc" });
});

Deno.test("defaults apply to missing and null keys; whole-string defaults get a type", async () => {
  const out = await resolved({
    port: "${PORT:8000}",
    flag: "${FLAG:true}",
    version: "${VERSION:1.10}",
    zero: "${Z:0123}",
    empty: "${E:}",
    url: "http://${HOST:localhost}:${PORT:8000}/",
    nullish: "${n:fallback}",
    n: null,
    withColon: "${DSN:user:pw@tcp(db:3306)/x}",
  });
  assert.equal(out.port, 8000);
  assert.equal(out.flag, true);
  assert.equal(out.version, "1.10");
  assert.equal(out.zero, "0123");
  assert.equal(out.empty, "");
  assert.equal(out.url, "http://localhost:8000/");
  assert.equal(out.nullish, "fallback");
  assert.equal(out.withColon, "user:pw@tcp(db:3306)/x");
});

Deno.test("a whole-string placeholder keeps the type of what it refers to", async () => {
  const out = await resolved({
    base: { port: 8000, debug: false, hosts: ["a", "b"], db: { user: "u" } },
    port: "${base.port}",
    debug: "${base.debug}",
    hosts: "${base.hosts}",
    db: "${base.db}",
    text: "port ${base.port} debug ${base.debug}",
    fromEnv: "${PORT}",
    PORT: "9000",
  });
  assert.equal(out.port, 8000);
  assert.equal(out.debug, false);
  assert.deepEqual(out.hosts, ["a", "b"]);
  assert.deepEqual(out.db, { user: "u" });
  assert.equal(out.text, "port 8000 debug false");
  assert.equal(out.fromEnv, "9000", "a string stays a string");
});

Deno.test("placeholders inside arrays, nested defaults, chains and escapes", async () => {
  const out = await resolved({
    hosts: ["${A}", "x-${B:b}", "${N:7}", ["${A}"]],
    A: "a",
    nested: "${MISSING:${ALSO_MISSING:${A}}}",
    chain1: "${chain2}",
    chain2: "${chain3}!",
    chain3: 5,
    escaped: "literal $${A} and ${A}",
  });
  assert.deepEqual(out.hosts, ["a", "x-b", 7, ["a"]]);
  assert.equal(out.nested, "a");
  assert.equal(out.chain1, "5!");
  assert.equal(out.escaped, "literal ${A} and a");
});

Deno.test("a missing key without default is an error naming the key and where it was used", async () => {
  const e = await loadError({ data: { database: { source: "mysql://${DB_HOST}/app" } } });
  assert.equal(e.code, "placeholder");
  assert.match(e.message, /\$\{DB_HOST\}/);
  assert.match(e.message, /data\.database\.source/);
  assert.equal(e.key, "data.database.source");

  const inArray = await loadError({ hosts: ["ok", "${NOPE}"] });
  assert.match(inArray.message, /\$\{NOPE\} in hosts\[1\]/);
});

Deno.test("cycles, objects inside strings and malformed placeholders are errors", async () => {
  const cycle = await loadError({ a: "${b}", b: "x${c}", c: "${a}" });
  assert.equal(cycle.code, "placeholder");
  assert.match(cycle.message, /cycle: a → b → c → a/);

  const self = await loadError({ a: { b: "${a}" } });
  assert.match(self.message, /cycle/);

  const obj = await loadError({ s: "prefix ${o}", o: { k: 1 } });
  assert.match(obj.message, /o is an object; only a placeholder that is the whole string/);

  const open = await loadError({ s: "${UNCLOSED" });
  assert.match(open.message, /unterminated placeholder in s/);

  const bad = await loadError({ s: "${ spaced }" });
  assert.match(bad.message, /invalid placeholder/);

  const empty = await loadError({ s: "${}" });
  assert.match(empty.message, /invalid placeholder/);

  // Found by tests/fuzz: a key the pattern admits but the path grammar refuses was a "usage"
  // error, as if the caller had misused the API.
  const malformed = await loadError({ s: "${0]}" });
  assert.equal(malformed.code, "placeholder");
  assert.match(malformed.message, /invalid placeholder "\$\{0\]\}" in s: .*malformed segment/);
});

// Literal text that can sit between placeholders without being read as syntax: a `$` right
// before `${` would form the `$${` escape, so literal text may not end with `$`.
const text = fc.string({ minLength: 1, maxLength: 8 }).filter((s) => !s.endsWith("$"));
const placeholderKey = fc.constantFrom("k0", "k1", "a.b", "list[1]", "MISSING");
const values: Record<string, unknown> = { k0: "zero", k1: "one", a: { b: "ab" }, list: ["x", "y"] };
const expected: Record<string, string> = { k0: "zero", k1: "one", "a.b": "ab", "list[1]": "y" };
const part: fc.Arbitrary<TemplatePart> = fc.oneof(
  text,
  fc.record({ key: placeholderKey, default: fc.constantFrom("d", "", "x:y", "${k1}") })
    .map((r) => ({ ...r })),
  fc.record({ key: placeholderKey.filter((k) => k !== "MISSING") }).map((r) => ({ ...r })),
);

function normalise(parts: TemplatePart[]): TemplatePart[] {
  const out: TemplatePart[] = [];
  for (const p of parts) {
    const last = out.at(-1);
    if (typeof p === "string" && typeof last === "string") out[out.length - 1] = last + p;
    else out.push(p);
  }
  return out;
}

Deno.test("property: parsing inverts printing", () => {
  fc.assert(fc.property(fc.array(part, { maxLength: 6 }), (parts) => {
    const printed = printTemplate(parts);
    assert.deepEqual(parseTemplate(printed), normalise(parts).filter((p) => p !== ""));
  }));
});

Deno.test("property: strings without placeholders are left exactly as they are", () => {
  fc.assert(fc.property(fc.string().filter((s) => !s.includes("${")), (s) => {
    assert.deepEqual(resolveTree({ s, arr: [s] }), { s, arr: [s] });
  }));
});

Deno.test("property: a template resolves to the concatenation of its parts", () => {
  fc.assert(fc.property(fc.array(part, { minLength: 2, maxLength: 6 }), (parts) => {
    const want = parts.map((p) =>
      typeof p === "string" ? p : expected[p.key] ?? (p.default === "${k1}" ? "one" : p.default)
    ).join("");
    const t = printTemplate(parts);
    if (parseTemplate(t).length < 2) return; // a lone placeholder is typed, tested above
    assert.equal(resolveTree({ ...values, t }).t, want);
  }));
});
