// The fast path's binary encoder against protobuf-es `toBinary`, differentially: random
// messages of every fixture type the encoder covers (generated from their descriptors, with
// extreme numbers, lone surrogates, nesting, maps, oneofs) and, now and then, a field set to a
// value of the wrong type. The encoder must produce `toBinary`'s bytes exactly, or defer
// (`undefined`) — never different bytes, and never throw.
import fc from "fast-check";
import {
  create,
  type DescField,
  type DescMessage,
  type Message,
  ScalarType,
  toBinary,
} from "@bufbuild/protobuf";
import { binaryEncoder } from "../../../transport/fastpath/binary.ts";
import * as wire from "../../fixtures/proto/wire/gen/fixture/wire/v1/wire_pb.ts";
import * as legacy from "../../fixtures/proto/wire/gen/fixture/wire/v1/legacy_pb.ts";
import { BookSchema } from "../../fixtures/proto/bookstore/gen/bookstore/v1/bookstore_pb.ts";
import { HelloReplySchema } from "../../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { expect, type FuzzTarget, show } from "../target.ts";

const SCHEMAS: DescMessage[] = [
  wire.ScalarsSchema,
  wire.MapsSchema,
  wire.WithTimestampSchema,
  wire.WithWrapperSchema,
  wire.WithStructSchema,
  wire.WithStructMapSchema,
  wire.WithJsStringSchema,
  wire.WithBadChildSchema,
  wire.PairSchema,
  legacy.LegacySchema,
  legacy.LegacyRequiredSchema,
  legacy.LegacyGroupSchema,
  BookSchema,
  HelloReplySchema,
];

const ODD_STRINGS = ["", "\uD800", "a\uDC00b", "\uDBFF\uDFFF", "😀", "\u0000", "é".repeat(70)];
const I64 = fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n);
const U64 = fc.bigInt(0n, 2n ** 64n - 1n);

function scalar(type: ScalarType, asString: boolean): fc.Arbitrary<unknown> {
  switch (type) {
    case ScalarType.DOUBLE:
      return fc.double();
    case ScalarType.FLOAT:
      return fc.oneof(fc.float(), fc.double());
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return asString ? I64.map(String) : I64;
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return asString ? U64.map(String) : U64;
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return fc.integer();
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return fc.integer({ min: 0, max: 0xffffffff });
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.STRING:
      return fc.oneof(
        fc.string({ unit: "binary", maxLength: 40 }),
        fc.constantFrom(...ODD_STRINGS),
      );
    case ScalarType.BYTES:
      return fc.uint8Array({ maxLength: 200 });
  }
}

// A value of the wrong type for any field, which the encoder must refuse (or encode exactly
// as `toBinary` does, if the library accepts it).
const WRONG = fc.constantFrom<unknown>("x", 1.5, -1, 2 ** 40, 1n, true, null, {}, [1], NaN);

function fieldValue(field: DescField, depth: number): fc.Arbitrary<unknown> {
  switch (field.fieldKind) {
    case "scalar":
      return scalar(field.scalar, field.longAsString);
    case "enum":
      return fc.oneof(fc.constantFrom(...field.enum.values.map((v) => v.number)), fc.integer());
    case "message":
      return message(field.message, depth + 1);
    case "list":
      return fc.array(
        field.listKind === "scalar"
          ? scalar(field.scalar, field.longAsString)
          : field.listKind === "enum"
          ? fc.integer()
          : message(field.message, depth + 1),
        { maxLength: 4 },
      );
    case "map": {
      const key = field.mapKey === ScalarType.STRING
        ? fc.string({ maxLength: 8 })
        : field.mapKey === ScalarType.BOOL
        ? fc.constantFrom("true", "false")
        : fc.integer({ min: -5, max: 300 }).map(String);
      const value = field.mapKind === "scalar"
        ? scalar(field.scalar, false)
        : field.mapKind === "enum"
        ? fc.integer({ min: -1, max: 3 })
        : message(field.message, depth + 1);
      return fc.dictionary(key, value, { maxKeys: 3 });
    }
  }
}

const cache = new Map<string, fc.Arbitrary<Message>>();

/** Random messages of `desc`, nested at most two deep. */
function message(desc: DescMessage, depth = 0): fc.Arbitrary<Message> {
  if (depth > 2) return fc.constant(create(desc));
  const id = `${desc.typeName}@${depth}`;
  const hit = cache.get(id);
  if (hit) return hit;
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of desc.fields) {
    if (field.oneof === undefined) fields[field.localName] = fieldValue(field, depth);
  }
  const oneofs: Record<string, fc.Arbitrary<unknown>> = {};
  for (const oneof of desc.oneofs) {
    oneofs[oneof.localName] = fc.oneof(
      fc.constant({ case: undefined }),
      ...oneof.fields.map((f) =>
        fieldValue(f, depth).map((value) => ({ case: f.localName, value }))
      ),
    );
  }
  const arb = fc.record({
    set: fc.record(fields, { requiredKeys: [] }),
    oneofs: fc.record(oneofs, { requiredKeys: [] }),
  }).map(({ set, oneofs }) => {
    try {
      return create(desc, { ...set, ...oneofs } as never);
    } catch {
      return create(desc); // values create() itself refuses are not the encoder's problem
    }
  });
  cache.set(id, arb);
  return arb;
}

interface Input {
  readonly schema: number;
  readonly message: Message;
  readonly corrupt?: { readonly field: number; readonly value: unknown };
  readonly head: number;
  readonly tail: Uint8Array;
}

const ENCODERS = SCHEMAS.map((s) => binaryEncoder(s));

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export const target: FuzzTarget<Input> = {
  name: "binary",
  arbitrary: () =>
    fc.integer({ min: 0, max: SCHEMAS.length - 1 }).chain((schema) =>
      fc.record({
        schema: fc.constant(schema),
        message: message(SCHEMAS[schema]),
        corrupt: fc.option(fc.record({ field: fc.nat(), value: WRONG }), { freq: 8 }).map((c) =>
          c ?? undefined
        ),
        head: fc.constantFrom(0, 5),
        tail: fc.uint8Array({ maxLength: 3 }),
      }, { requiredKeys: ["schema", "message", "head", "tail"] })
    ),
  examples: () =>
    SCHEMAS.map((desc, schema) => ({
      schema,
      message: create(desc),
      head: 5,
      tail: new Uint8Array(),
    })),
  check(input) {
    const desc = SCHEMAS[input.schema];
    const encoder = ENCODERS[input.schema];
    if (encoder === undefined) return; // types it does not cover always go to toBinary
    const message = input.message as unknown as Record<string, unknown>;
    if (input.corrupt) {
      const field = desc.fields[input.corrupt.field % desc.fields.length];
      if (field.oneof === undefined) message[field.localName] = input.corrupt.value;
    }
    let expected: Uint8Array | undefined;
    try {
      expected = toBinary(desc, input.message);
    } catch {
      expected = undefined;
    }
    let got: Uint8Array | undefined;
    try {
      got = encoder(input.message, input.head, input.tail, Number.MAX_SAFE_INTEGER);
    } catch (e) {
      throw new Error(`encoder threw on ${desc.typeName}: ${e} (${show(input)})`);
    }
    if (got === undefined) return;
    expect(expected !== undefined, `encoded what toBinary rejects (${desc.typeName})`, input);
    const body = got.subarray(input.head, got.length - input.tail.length);
    expect(same(body, expected), `bytes differ from toBinary for ${desc.typeName}`, input);
    expect(same(got.subarray(got.length - input.tail.length), input.tail), "tail lost", input);
  },
};
