// The fast path's JSON codec for flat messages against protobuf-es as the oracle: for generated
// JSON texts (valid and not, duplicate and escaped keys, both field names, unknown keys, null,
// wrong types, out-of-range and fractional numbers, ill-formed UTF-16, nesting), whatever the
// reader returns equals `fromJsonString`'s message, and the cases the library rejects are never
// answered; for generated messages the writer's text equals `toJsonString`'s. Types outside the
// codec's shape get no codec at all.
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  create,
  createFileRegistry,
  type DescMessage,
  equals,
  fromJsonString,
  toJsonString,
} from "@bufbuild/protobuf";
import {
  FieldDescriptorProto_Type as T,
  FileDescriptorProtoSchema,
  StringValueSchema,
} from "@bufbuild/protobuf/wkt";
import { jsonReader, jsonWriter } from "../../transport/fastpath/json.ts";
import {
  HelloReplySchema,
  HelloRequestSchema,
} from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { PairSchema, ScalarsSchema } from "../fixtures/proto/wire/gen/fixture/wire/v1/wire_pb.ts";

// Every kind the codec covers, declared out of number order, one with a JSON name of its own.
const file = createFileRegistry(
  create(FileDescriptorProtoSchema, {
    name: "fixture/json_fast.proto",
    package: "fixture.jsonfast",
    syntax: "proto3",
    messageType: [{
      name: "Flat",
      field: [
        { name: "user_name", number: 3, type: T.STRING, label: 1, jsonName: "userName" },
        { name: "on", number: 1, type: T.BOOL, label: 1, jsonName: "on" },
        { name: "count", number: 2, type: T.INT32, label: 1, jsonName: "count" },
        { name: "size", number: 5, type: T.UINT32, label: 1, jsonName: "size" },
        { name: "delta", number: 4, type: T.SINT32, label: 1, jsonName: "delta" },
        { name: "fx", number: 7, type: T.FIXED32, label: 1, jsonName: "fx" },
        { name: "sfx", number: 6, type: T.SFIXED32, label: 1, jsonName: "sfx" },
        { name: "custom", number: 8, type: T.STRING, label: 1, jsonName: "renamed" },
      ],
    }],
  }),
  () => undefined,
);
const Flat = file.getMessage("fixture.jsonfast.Flat")!;
const flat: DescMessage[] = [Flat, HelloRequestSchema, HelloReplySchema, PairSchema];

const keysOf = (desc: DescMessage) =>
  desc.fields.flatMap((f) => [f.name, f.jsonName]).concat(["unknown", "__proto__", "[ext]"]);
const values = fc.oneof(
  fc.string(),
  fc.constantFrom("", "\ud800", "a\udc00b", "é", "💡", '"', "\\", "123", " 1"),
  fc.boolean(),
  fc.integer(),
  fc.constantFrom(0, -0, 2147483647, 2147483648, -2147483648, -2147483649, 4294967295, 4294967296),
  fc.constantFrom(1.5, 1e21, -1),
  fc.constant(null),
  fc.constant({}),
  fc.constant([1]),
  fc.constant({ a: { b: 1 } }),
);
// A JSON text built by hand, so keys may repeat and be written with escapes.
const texts = (desc: DescMessage) =>
  fc.oneof(
    fc.array(
      fc.tuple(fc.constantFrom(...keysOf(desc)), values, fc.boolean()),
      { maxLength: 6 },
    ).map((pairs) =>
      "{" + pairs.map(([k, v, escape]) =>
        (escape
          ? `"${[...k].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("")}"`
          : JSON.stringify(k)) +
        ":" + JSON.stringify(v)
      ).join(",") + "}"
    ),
    fc.constantFrom(
      "",
      "null",
      "[]",
      "1",
      '"x"',
      "{",
      '{"name":"a"} x',
      ' {"name" : "a" } ',
      "{}",
      // One field by both its names.
      '{"user_name":"a","userName":"b"}',
      '{"renamed":"a","custom":"b"}',
    ),
  );

function library(desc: DescMessage, text: string) {
  try {
    return { message: fromJsonString(desc, text, { ignoreUnknownFields: true }) };
  } catch (error) {
    return { error };
  }
}

Deno.test("the JSON reader answers only as fromJsonString does", () => {
  let answered = 0;
  for (const desc of flat) {
    const read = jsonReader(desc, { ignoreUnknownFields: true })!;
    assert.ok(read, desc.typeName);
    fc.assert(
      fc.property(texts(desc), (text) => {
        const got = read(text);
        if (got === undefined) return;
        answered++;
        const want = library(desc, text);
        assert.ok(want.message, `${desc.typeName} ${text}: the library rejects it (${want.error})`);
        assert.ok(equals(desc, got as never, want.message), `${desc.typeName} ${text}`);
        assert.deepEqual({ ...got }, { ...want.message }, `${desc.typeName} ${text}`);
      }),
      { numRuns: 3000, seed: 13 },
    );
  }
  // The codec must actually serve the common case, or this test proves nothing.
  assert.ok(answered > 500, `answered ${answered}`);
  const hello = jsonReader(HelloRequestSchema, {})!('{"name":"bench"}');
  assert.deepEqual(hello, create(HelloRequestSchema, { name: "bench" }));
});

Deno.test("the JSON writer writes what toJsonString writes", () => {
  const strings = fc.oneof(fc.string(), fc.constantFrom("", "\ud800", "💡", '"\\\n'));
  const int32 = fc.oneof(fc.integer(), fc.constantFrom(0, -0));
  const uint32 = fc.nat({ max: 4294967295 });
  const messages = fc.record({
    userName: strings,
    on: fc.boolean(),
    count: int32,
    size: uint32,
    delta: int32,
    fx: uint32,
    sfx: int32,
    custom: strings,
  }).map((init) => create(Flat, init as never));
  for (const useProtoFieldName of [false, true]) {
    const write = jsonWriter(Flat, { useProtoFieldName })!;
    fc.assert(
      fc.property(messages, (m) => {
        assert.equal(write(m as never), toJsonString(Flat, m, { useProtoFieldName }));
      }),
      { numRuns: 3000, seed: 13 },
    );
    const hello = jsonWriter(HelloReplySchema, { useProtoFieldName })!;
    for (const message of ["", "Hello bench", "\u2028"]) {
      const m = create(HelloReplySchema, { message });
      assert.equal(hello(m as never), toJsonString(HelloReplySchema, m, { useProtoFieldName }));
    }
  }
  // A message of another type, or a value of the wrong type, is the library's to judge.
  const write = jsonWriter(HelloReplySchema, {})!;
  assert.equal(write(create(HelloRequestSchema, { name: "x" }) as never), undefined);
  assert.equal(write({ ...create(HelloReplySchema), message: 1 } as never), undefined);
});

Deno.test("types outside the codec's shape and other output options get no codec", () => {
  for (const desc of [ScalarsSchema, StringValueSchema]) {
    assert.equal(jsonReader(desc, {}), undefined, desc.typeName);
    assert.equal(jsonWriter(desc, {}), undefined, desc.typeName);
  }
  assert.equal(jsonWriter(Flat, { alwaysEmitImplicit: true }), undefined);
  assert.equal(jsonWriter(Flat, { enumAsInteger: true }), undefined);
  assert.equal(jsonReader(Flat, { recursionLimit: 0 }), undefined);
});
