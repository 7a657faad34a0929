// The YAML parser config loads: on Deno its ES module build (not the CommonJS main through
// node:module), with the same answers as the package's entry: merge keys, anchors, duplicate keys
// refused with a position.
import assert from "node:assert/strict";
import { importYaml } from "../../config/yaml_module.ts";

const text = "base: &b\n  a: 1\nderived:\n  <<: *b\n  c: [x, 'y']\n";

Deno.test("importYaml loads the ES module build on Deno", async () => {
  const yaml = await importYaml();
  // Deno's CommonJS namespaces carry a "module.exports" key; the ESM build has none.
  assert.equal("module.exports" in yaml, false);
  assert.equal(typeof yaml.parse, "function");
});

Deno.test("the ES module build parses as the package's entry does", async () => {
  const esm = await importYaml();
  const main = await import("yaml");
  const expected = { base: { a: 1 }, derived: { a: 1, c: ["x", "y"] } };
  assert.deepEqual(esm.parse(text, { merge: true }), expected);
  assert.deepEqual(main.parse(text, { merge: true }), expected);
  for (const yaml of [esm, main]) {
    assert.throws(
      () => yaml.parse("a: 1\na: 2\n"),
      (error: Error) =>
        error.name === "YAMLParseError" && /unique at line 2, column 1/.test(error.message),
    );
  }
});
