// The Kratos record codec: what Go's json.Marshal writes, and what we accept from Go.
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodeInstance,
  encodeInstance,
  RegistryError,
  type ServiceInstance,
} from "../../registry/mod.ts";

const instance = fc.record({
  id: fc.string({ minLength: 1, unit: "grapheme" }),
  name: fc.string({ minLength: 1, unit: "binary" }),
  version: fc.string({ unit: "binary" }),
  metadata: fc.dictionary(fc.string({ unit: "binary" }), fc.string({ unit: "binary" })),
  endpoints: fc.array(fc.string({ unit: "binary" })),
});
const wellFormed = (s: string) => s.replace(/\p{Cs}/gu, "\ufffd");

Deno.test("record: encoding round-trips through JSON and through decodeInstance", () => {
  fc.assert(fc.property(instance, (i: ServiceInstance) => {
    const text = encodeInstance(i);
    const parsed = JSON.parse(text);
    const expected = {
      id: wellFormed(i.id),
      name: wellFormed(i.name),
      version: wellFormed(i.version),
      metadata: Object.fromEntries(
        Object.entries(i.metadata).map(([k, v]) => [wellFormed(k), wellFormed(v)]),
      ),
      endpoints: i.endpoints.map(wellFormed),
    };
    assert.deepEqual(parsed, expected);
    assert.deepEqual(decodeInstance(text, "test"), expected);
  }));
});

Deno.test("record: Go's escaping and key order, never JSON.stringify's", () => {
  fc.assert(fc.property(instance, (i: ServiceInstance) => {
    const text = encodeInstance(i);
    assert.doesNotMatch(text, /[<>&\u2028\u2029]/, "HTML-sensitive characters are escaped");
    assert.deepEqual(Object.keys(JSON.parse(text)), [
      "id",
      "name",
      "version",
      "metadata",
      "endpoints",
    ]);
    const keys = Object.keys(JSON.parse(text).metadata);
    const bytes = keys.map((k) => [...new TextEncoder().encode(k)]);
    for (let n = 1; n < bytes.length; n++) {
      const [a, b] = [bytes[n - 1], bytes[n]];
      const i2 = a.findIndex((x, j) => x !== b[j]);
      assert.ok(i2 === -1 ? a.length <= b.length : a[i2] < (b[i2] ?? -1), "sorted by UTF-8 bytes");
    }
  }));
  // Fixed cases whose Go output is known exactly.
  assert.equal(
    encodeInstance({
      id: "a",
      name: "n",
      version: "",
      metadata: { "\u{1F600}": "astral", "\uFFFD": "bmp", tab: "\t\b\f\u0001" },
      endpoints: [],
    }),
    `{"id":"a","name":"n","version":"","metadata":{"tab":"\\t\\b\\f\\u0001","\uFFFD":"bmp",` +
      `"\u{1F600}":"astral"},"endpoints":[]}`,
  );
});

Deno.test("record: lone surrogates become U+FFFD, as Go writes invalid UTF-8", () => {
  const text = encodeInstance({
    id: "a\ud800b",
    name: "\udc00",
    version: "",
    metadata: {},
    endpoints: [],
  });
  assert.equal(text, `{"id":"a\ufffdb","name":"\ufffd","version":"","metadata":{},"endpoints":[]}`);
});

Deno.test("record: a __proto__ metadata key stays a plain key", () => {
  const decoded = decodeInstance(`{"id":"1","name":"s","metadata":{"__proto__":"x"}}`, "k");
  assert.equal(Object.getPrototypeOf(decoded.metadata), Object.prototype);
  assert.deepEqual(Object.keys(decoded.metadata), ["__proto__"]);
});

Deno.test("record: Go's null map and slice decode to empty ones; missing version is empty", () => {
  assert.deepEqual(
    decodeInstance(`{"id":"1","name":"s","metadata":null,"endpoints":null}`, "k"),
    { id: "1", name: "s", version: "", metadata: {}, endpoints: [] },
  );
});

Deno.test("record: malformed records throw invalid_record naming the key and the problem", () => {
  const cases: [string, RegExp][] = [
    ["", /not JSON/],
    ["[]", /not a JSON object/],
    ["null", /not a JSON object/],
    [`{"name":"s"}`, /id must be/],
    [`{"id":"1","name":""}`, /name must be/],
    [`{"id":"1","name":"s","version":1}`, /version must be/],
    [`{"id":"1","name":"s","metadata":[]}`, /metadata must be an object/],
    [`{"id":"1","name":"s","metadata":{"a":1}}`, /metadata "a" must be a string/],
    [`{"id":"1","name":"s","endpoints":"grpc://x"}`, /endpoints must be/],
    [`{"id":"1","name":"s","endpoints":[1]}`, /endpoints must be/],
  ];
  for (const [text, problem] of cases) {
    assert.throws(
      () => decodeInstance(text, "/microservices/s/1"),
      (e: unknown) =>
        e instanceof RegistryError && e.code === "invalid_record" &&
        e.message.includes("/microservices/s/1") && problem.test(e.message),
      text,
    );
  }
});
