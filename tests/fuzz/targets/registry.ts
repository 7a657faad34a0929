// Registry records as they come back from etcd (Kratos's JSON, written by any process of the
// fleet): mutated real records and random JSON-ish text through the public `decodeInstance`.
// It must return a well-formed instance — whose Go-compatible encoding decodes back to the
// same instance — or throw `invalid_record` naming the place; nothing else.
import fc from "fast-check";
import { isDeepStrictEqual } from "node:util";
import { decodeInstance, encodeInstance, RegistryError } from "../../../registry/mod.ts";
import { expect, type FuzzTarget, show, textFrom } from "../target.ts";

const JSONISH = fc.array(
  fc.constantFrom(
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    '"id"',
    '"name"',
    '"version"',
    '"metadata"',
    '"endpoints"',
    '"x"',
    '""',
    "null",
    "1",
    "true",
    '"__proto__"',
    '"grpc://127.0.0.1:9000"',
    '"\\ud800"',
  ),
  { maxLength: 24 },
).map((t) => t.join(""));

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export const target: FuzzTarget<string> = {
  name: "registry",
  arbitrary: (seeds) => fc.oneof(textFrom(seeds, 400), JSONISH, fc.json()),
  examples: (seeds) => seeds.map((s) => new TextDecoder().decode(s)),
  check(text) {
    let instance;
    try {
      instance = decodeInstance(text, "/microservices/fuzz/1");
    } catch (e) {
      expect(e instanceof RegistryError, `threw ${(e as Error)?.name}: ${e}`, show(text));
      expect(e.code === "invalid_record", `code ${e.code}`, show(text));
      expect(e.message.includes("/microservices/fuzz/1"), "message does not name the key", text);
      return;
    }
    expect(typeof instance.id === "string" && instance.id !== "", "empty id accepted", text);
    expect(typeof instance.name === "string" && instance.name !== "", "empty name accepted", text);
    expect(Array.isArray(instance.endpoints), "endpoints not an array", text);
    expect(
      Object.getPrototypeOf(instance.metadata) === Object.prototype,
      "metadata prototype changed",
      text,
    );
    // Go writes invalid UTF-16 as U+FFFD, so a lone surrogate comes back replaced.
    const again = decodeInstance(encodeInstance(instance), "again");
    const fix = (v: string) => v.replace(LONE_SURROGATE, "\ufffd");
    const want = {
      id: fix(instance.id),
      name: fix(instance.name),
      version: fix(instance.version ?? ""),
      metadata: Object.fromEntries(
        Object.entries(instance.metadata).map(([k, v]) => [fix(k), fix(v)]),
      ),
      endpoints: instance.endpoints.map(fix),
    };
    expect(isDeepStrictEqual(again, want), "re-encoding changed the instance", text);
  },
};
