// The fast path's binary encoder against the library oracle: for a seeded corpus of messages
// covering every scalar type, presence kind, repeated and packed fields, oneofs, nesting and
// multi-byte tags and lengths, the bytes must equal `toBinary`'s; anything it does not cover
// must defer (`undefined`) rather than guess.
import assert from "node:assert/strict";
import { create, type DescMessage, toBinary } from "@bufbuild/protobuf";
import {
  anyPack,
  DurationSchema,
  EmptySchema,
  FieldMaskSchema,
  Int64ValueSchema,
  StringValueSchema,
  TimestampSchema,
} from "@bufbuild/protobuf/wkt";
import { binaryEncoder } from "../../transport/fastpath/binary.ts";
import {
  MapsSchema,
  PairSchema,
  PairTwinSchema,
  type Scalars,
  ScalarsSchema,
  WithBadChildSchema,
  WithJsStringSchema,
  WithStructMapSchema,
  WithStructSchema,
  WithTimestampSchema,
  WithWrapperSchema,
} from "../fixtures/proto/wire/gen/fixture/wire/v1/wire_pb.ts";
import {
  LegacyGroupSchema,
  LegacyRequiredSchema,
  LegacySchema,
} from "../fixtures/proto/wire/gen/fixture/wire/v1/legacy_pb.ts";

// A small seeded PRNG (mulberry32), so a failure reproduces.
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INT32 = [0, 1, -1, 127, 128, 300, -300, 16384, 0x7fffffff, -0x80000000];
const UINT32 = [0, 1, 127, 128, 16383, 16384, 2097152, 0xffffffff];
const INT64 = [0n, 1n, -1n, 127n, 128n, 2n ** 35n, -(2n ** 40n), 2n ** 63n - 1n, -(2n ** 63n)];
const UINT64 = [0n, 1n, 128n, 2n ** 35n, 2n ** 63n, 2n ** 64n - 1n];
const FLOAT = [0, -0, 1.5, -2.25, NaN, Infinity, -Infinity, 3.4e38, 1e-45];
const DOUBLE = [0, -0, Math.PI, -1e308, NaN, Infinity, 5e-324];
const STRING = [
  "",
  "a",
  "héllo",
  "😀",
  "日本語",
  "\uD800",
  "\uD800x",
  "a\uDC00b",
  "\uD83D\uD83D\uDE00",
  "x".repeat(200),
];
const ENUM = [0, 1, -3, 99];

function pick<T>(r: () => number, values: readonly T[]): T {
  return values[Math.floor(r() * values.length)];
}

function bytes(r: () => number): Uint8Array {
  const n = pick(r, [0, 1, 5, 130, 300]);
  return Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
}

function list<T>(r: () => number, make: () => T): T[] {
  return Array.from({ length: pick(r, [0, 0, 1, 3, 40]) }, make);
}

function scalars(r: () => number, depth: number): Scalars {
  const m = create(ScalarsSchema, {
    fDouble: pick(r, DOUBLE),
    fFloat: pick(r, FLOAT),
    fInt64: pick(r, INT64),
    fUint64: pick(r, UINT64),
    fInt32: pick(r, INT32),
    fFixed64: pick(r, UINT64),
    fFixed32: pick(r, UINT32),
    fBool: r() < 0.5,
    fString: pick(r, STRING),
    fBytes: bytes(r),
    fUint32: pick(r, UINT32),
    fEnum: pick(r, ENUM),
    fSfixed32: pick(r, INT32),
    fSfixed64: pick(r, INT64),
    fSint32: pick(r, INT32),
    fSint64: pick(r, INT64),
    rInt32: list(r, () => pick(r, INT32)),
    rDouble: list(r, () => pick(r, DOUBLE)),
    rSint64: list(r, () => pick(r, INT64)),
    rString: list(r, () => pick(r, STRING)),
    rBytes: list(r, () => bytes(r)),
    rEnum: list(r, () => pick(r, ENUM)),
    rFixed32: list(r, () => pick(r, UINT32)),
    rBool: list(r, () => r() < 0.5),
    rUnpacked: list(r, () => pick(r, INT32)),
    highTag: r() < 0.3 ? pick(r, STRING) : "",
    midTag: r() < 0.3 ? pick(r, INT32) : 0,
  });
  // Explicit presence: set (even to zero) or left unset.
  if (r() < 0.5) m.oInt32 = pick(r, INT32);
  if (r() < 0.5) m.oString = pick(r, STRING);
  if (r() < 0.5) m.oEnum = pick(r, ENUM);
  if (r() < 0.5) m.oDouble = pick(r, DOUBLE);
  const which = Math.floor(r() * 4);
  if (which === 1) m.choice = { case: "cString", value: pick(r, STRING) };
  if (which === 2) m.choice = { case: "cInt32", value: pick(r, INT32) };
  if (which === 3 && depth > 0) m.choice = { case: "cMessage", value: scalars(r, depth - 1) };
  if (depth > 0 && r() < 0.6) m.child = scalars(r, depth - 1);
  if (depth > 0 && r() < 0.3) m.children = list(r, () => scalars(r, depth - 1)).slice(0, 4);
  return m;
}

function encode(desc: DescMessage, message: object, head = 0, tail?: Uint8Array) {
  const encoder = binaryEncoder(desc);
  assert.ok(encoder, `${desc.typeName} should have a fast encoder`);
  return encoder(message, head, tail, Number.MAX_SAFE_INTEGER);
}

Deno.test("binary encoder: a seeded corpus encodes byte for byte like toBinary", () => {
  const r = rng(20261125);
  let total = 0;
  for (let i = 0; i < 600; i++) {
    const message = scalars(r, 3);
    const expected = toBinary(ScalarsSchema, message);
    const actual = encode(ScalarsSchema, message);
    assert.deepEqual(actual, expected, `message ${i} differs`);
    total += expected.byteLength;
  }
  // The corpus must reach multi-byte lengths, not only tiny messages.
  assert.ok(total > 600 * 128, `corpus too small: ${total} bytes`);
});

Deno.test("binary encoder: empty, default and zero-valued messages", () => {
  for (
    const message of [create(ScalarsSchema), create(ScalarsSchema, { oInt32: 0, oString: "" })]
  ) {
    assert.deepEqual(encode(ScalarsSchema, message), toBinary(ScalarsSchema, message));
  }
  assert.equal(encode(ScalarsSchema, create(ScalarsSchema))!.byteLength, 0);
});

Deno.test("binary encoder: proto2 defaults on the prototype are not written unless set", () => {
  const unset = create(LegacySchema);
  assert.deepEqual(encode(LegacySchema, unset), toBinary(LegacySchema, unset));
  const set = create(LegacySchema, { withDefault: 7, name: "x", unpacked: [1, 2, 300] });
  set.next = create(LegacySchema, { withDefault: 0 });
  const bytes = encode(LegacySchema, set)!;
  assert.deepEqual(bytes, toBinary(LegacySchema, set));
  assert.ok(bytes.byteLength > 0);
});

Deno.test("binary encoder: head room and tail are placed around the message", () => {
  const message = create(ScalarsSchema, { fString: "hello", fInt32: 150 });
  const plain = toBinary(ScalarsSchema, message);
  const tail = Uint8Array.of(9, 8, 7);
  const out = encode(ScalarsSchema, message, 5, tail)!;
  assert.equal(out.byteLength, 5 + plain.byteLength + 3);
  assert.deepEqual(out.subarray(0, 5), new Uint8Array(5));
  assert.deepEqual(out.subarray(5, 5 + plain.byteLength), plain);
  assert.deepEqual(out.subarray(5 + plain.byteLength), tail);
});

Deno.test("binary encoder: a message over maxBytes defers to the library", () => {
  const message = create(ScalarsSchema, { fString: "x".repeat(100) });
  const encoder = binaryEncoder(ScalarsSchema)!;
  assert.equal(encoder(message, 0, undefined, 50), undefined);
  assert.equal(encoder(message, 0, undefined, 102)?.byteLength, 102);
});

Deno.test("binary encoder: values only the library may judge make it defer", () => {
  const encoder = binaryEncoder(ScalarsSchema)!;
  const cases: [string, (m: Record<string, unknown>) => void][] = [
    ["int32 out of range", (m) => (m.fInt32 = 2 ** 31)],
    ["int32 fraction", (m) => (m.fInt32 = 1.5)],
    ["int32 as string", (m) => (m.fInt32 = "5")],
    ["uint32 negative", (m) => (m.fUint32 = -1)],
    ["int64 as number", (m) => (m.fInt64 = 5)],
    ["uint64 negative", (m) => (m.fUint64 = -1n)],
    ["int64 overflow", (m) => (m.fSfixed64 = 2n ** 63n)],
    ["float overflow", (m) => (m.fFloat = 1e39)],
    ["string not a string", (m) => (m.fString = 5)],
    ["bytes not bytes", (m) => (m.fBytes = [1, 2])],
    ["list not an array", (m) => (m.rInt32 = 5)],
    ["bad list item", (m) => (m.rString = ["a", 1])],
    ["child of another type", (m) => (m.child = create(LegacySchema, { withDefault: 1 }))],
    ["missing oneof group", (m) => (m.choice = undefined)],
    ["unknown fields", (m) => (m.$unknown = [{ no: 99, wireType: 0, data: Uint8Array.of(1) }])],
    ["unknown fields in a child", (m) => {
      const child = create(ScalarsSchema) as Record<string, unknown>;
      child.$unknown = [{ no: 99, wireType: 0, data: Uint8Array.of(1) }];
      m.child = child;
    }],
  ];
  for (const [name, spoil] of cases) {
    const message = create(ScalarsSchema, { fString: "ok" }) as unknown as Record<string, unknown>;
    spoil(message);
    assert.equal(encoder(message, 0, undefined, Number.MAX_SAFE_INTEGER), undefined, name);
  }
  // A message whose only oddity is a float that rounds within range still encodes.
  const fine = create(ScalarsSchema, { fFloat: 3.4028235e38 });
  assert.deepEqual(encoder(fine, 0, undefined, 1e9), toBinary(ScalarsSchema, fine));
});

Deno.test("binary encoder: a message of another type with the same shape is not encoded", () => {
  const twin = create(PairTwinSchema, { key: "a", value: 1 });
  assert.throws(() => toBinary(PairSchema, twin as never), /cannot use/);
  assert.equal(binaryEncoder(PairSchema)!(twin, 0, undefined, 1e9), undefined);
  const pair = create(PairSchema, { key: "a", value: 1 });
  assert.deepEqual(binaryEncoder(PairSchema)!(pair, 0, undefined, 1e9), toBinary(PairSchema, pair));
});

Deno.test("binary encoder: well-known types that are plain messages locally", () => {
  const r = rng(7);
  const at = () =>
    create(TimestampSchema, { seconds: pick(r, INT64), nanos: pick(r, [0, 1, 999_999_999]) });
  for (let i = 0; i < 50; i++) {
    const message = create(WithTimestampSchema, {
      at: r() < 0.8 ? at() : undefined,
      ttl: r() < 0.5 ? create(DurationSchema, { seconds: 90n, nanos: 5 }) : undefined,
      detail: r() < 0.5 ? anyPack(TimestampSchema, at()) : undefined,
      mask: r() < 0.5 ? create(FieldMaskSchema, { paths: ["a.b", "c"] }) : undefined,
      nothing: r() < 0.5 ? create(EmptySchema) : undefined,
      history: list(r, at),
      names: list(r, () => create(StringValueSchema, { value: pick(r, STRING) })),
      pick: r() < 0.5 ? { case: "picked", value: create(Int64ValueSchema, { value: -5n }) } : {
        case: undefined,
      },
    });
    assert.deepEqual(encode(WithTimestampSchema, message), toBinary(WithTimestampSchema, message));
  }
  assert.deepEqual(encode(EmptySchema, create(EmptySchema)), new Uint8Array(0));
});

Deno.test("binary encoder: maps of every key and value kind, in key order", () => {
  const r = rng(11);
  const entries = <V>(key: () => string, value: () => V): Record<string, V> =>
    Object.fromEntries(list(r, () => [key(), value()] as const));
  for (let i = 0; i < 200; i++) {
    const message = create(MapsSchema, {
      counts: entries(() => pick(r, STRING), () => pick(r, INT32)),
      names: entries(() => String(pick(r, INT64)), () => pick(r, STRING)),
      flags: entries(() => pick(r, ["true", "false"]), () => pick(r, ENUM)),
      pairs: entries(
        () => String(pick(r, INT32)),
        () => create(PairSchema, { key: pick(r, STRING), value: pick(r, INT32) }),
      ),
      blobs: entries(() => String(pick(r, UINT64)), () => bytes(r)),
      times: entries(
        () => pick(r, STRING),
        () => create(TimestampSchema, { seconds: pick(r, INT64), nanos: 7 }),
      ),
      ratios: entries(() => String(pick(r, UINT32)), () => pick(r, DOUBLE)),
      deltas: entries(() => String(pick(r, INT64)), () => pick(r, INT64)),
      signedKeys: entries(() => String(pick(r, INT32)), () => pick(r, UINT32)),
    });
    assert.deepEqual(encode(MapsSchema, message), toBinary(MapsSchema, message), `message ${i}`);
  }
  // Keys the library would parse leniently or reject: only it may judge them.
  const encoder = binaryEncoder(MapsSchema)!;
  const spoiled: [string, Record<string, unknown>][] = [
    ["int key not a number", { counts: {}, pairs: { abc: create(PairSchema) } }],
    ["bool key not a bool", { flags: { yes: 1 } }],
    ["int64 key not a number", { names: { "1.5": "x" } }],
    ["uint64 key negative", { blobs: { "-1": new Uint8Array(1) } }],
    ["int32 key out of range", { signedKeys: { "4294967296": 1 } }],
    ["value of the wrong type", { counts: { a: "1" } }],
    ["not a record", { counts: null }],
  ];
  for (const [name, fields] of spoiled) {
    const message = Object.assign(create(MapsSchema), fields);
    assert.equal(encoder(message, 0, undefined, 1e9), undefined, name);
  }
});

Deno.test("binary encoder: types it does not cover have no fast encoder", () => {
  for (
    const desc of [
      WithStructSchema,
      WithStructMapSchema,
      WithWrapperSchema,
      WithJsStringSchema,
      WithBadChildSchema,
      LegacyRequiredSchema,
      LegacyGroupSchema,
    ]
  ) {
    assert.equal(binaryEncoder(desc as DescMessage), undefined, desc.typeName);
  }
});
