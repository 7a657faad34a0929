// `${KEY}` / `${KEY:default}` placeholders through the public config API: random trees whose
// string leaves are spliced from placeholder syntax (nested defaults, escapes, self and mutual
// references, unterminated and empty placeholders, array indexes) or mutated corpus text.
// Loading must either succeed with no placeholder left unresolved, or fail with a `placeholder`
// ConfigError — never another error, a stack overflow, or a hang on a cycle.
import fc from "fast-check";
import { ConfigError, createConfig, memory } from "../../../config/mod.ts";
import { expect, type FuzzTarget, show, textFrom } from "../target.ts";

const PIECES = [
  "${",
  "}",
  ":",
  "$${",
  "$",
  "{",
  "a",
  "b",
  "c",
  "a.b",
  "c[0]",
  "c[9]",
  "x",
  "${a}",
  "${b}",
  "${a.b}",
  "${c[0]}",
  "${b:${c[1]}}",
  "${MISSING}",
  "${MISSING:d}",
  "${a:}",
  "${:x}",
  "${a b}",
  "${a:${a}}",
  "${MISSING:${MISSING:1}}",
  "${MISSING:true}",
  "${ }",
];

const leaf = (seeds: readonly Uint8Array[]) =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 8 }).map((p) =>
        p.join("")
      ),
    },
    { weight: 2, arbitrary: textFrom(seeds, 64) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(1, true, null) },
  );

interface Input {
  readonly tree: Record<string, unknown>;
}

export const target: FuzzTarget<Input> = {
  name: "placeholder",
  async: true,
  arbitrary: (seeds) =>
    fc.record({
      tree: fc.record({
        a: fc.oneof(leaf(seeds), fc.record({ b: leaf(seeds) })),
        b: leaf(seeds),
        c: fc.array(leaf(seeds), { maxLength: 3 }),
        x: leaf(seeds),
      }, { requiredKeys: [] }),
    }),
  examples: (seeds) =>
    seeds.map((s) => ({ tree: { a: new TextDecoder().decode(s), b: "${a}", x: "ok" } })),
  async check(input) {
    const config = createConfig({ sources: [memory(input.tree)] });
    try {
      await config.load();
      const out = JSON.stringify(config.value("").raw());
      void out;
    } catch (e) {
      expect(e instanceof ConfigError, `load threw ${(e as Error)?.name}: ${e}`, show(input));
      expect(e.code === "placeholder", `code ${e.code}: ${e.message}`, show(input));
      expect(e.message.length > 0, "no message", input);
    } finally {
      await config.close();
    }
  },
};
