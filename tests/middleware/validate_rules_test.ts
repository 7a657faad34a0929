// validate() skips protovalidate for request types without any rule; protovalidate is the oracle
// that a type said to have none finds every message valid, and that types with rules (on the
// message itself or in messages it holds, as a field or as list items) are never skipped.
import assert from "node:assert/strict";
import { create, createFileRegistry, type DescMessage } from "@bufbuild/protobuf";
import {
  DescriptorProtoSchema,
  DurationSchema,
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
  StructSchema,
  TimestampSchema,
} from "@bufbuild/protobuf/wkt";
import { createValidator } from "@bufbuild/protovalidate";
import { hasRules } from "../../middleware/validate/validate.ts";
import {
  HelloReplySchema,
  HelloRequestSchema,
  HelloStreamRequestSchema,
} from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import {
  CreateUserReplySchema,
  CreateUserRequestSchema,
} from "../fixtures/proto/validate/gen/fixture/validate/v1/user_pb.ts";

// A file built here: Inner carries the fixture's `min_len: 2` rule on its field; Holder and
// Lister hold an Inner as a field and as list items; Plain refers to itself and has no rules.
function synthetic() {
  const rule = CreateUserRequestSchema.field.name.proto.options;
  const { OPTIONAL: LABEL_OPTIONAL, REPEATED: LABEL_REPEATED } = FieldDescriptorProto_Label;
  const { STRING: TYPE_STRING, MESSAGE: TYPE_MESSAGE } = FieldDescriptorProto_Type;
  const field = (
    name: string,
    number: number,
    type: FieldDescriptorProto_Type,
    label = LABEL_OPTIONAL,
    typeName?: string,
    options = undefined as typeof rule,
  ) => ({ name, number, type, label, typeName, jsonName: name, options });
  const file = create(FileDescriptorProtoSchema, {
    name: "synthetic/v1/nested.proto",
    package: "synthetic.v1",
    syntax: "proto3",
    messageType: [
      { name: "Inner", field: [field("name", 1, TYPE_STRING, LABEL_OPTIONAL, undefined, rule)] },
      {
        name: "Holder",
        field: [field("inner", 1, TYPE_MESSAGE, LABEL_OPTIONAL, ".synthetic.v1.Inner")],
      },
      {
        name: "Lister",
        field: [field("items", 1, TYPE_MESSAGE, LABEL_REPEATED, ".synthetic.v1.Inner")],
      },
      {
        name: "Plain",
        field: [
          field("name", 1, TYPE_STRING),
          field("next", 2, TYPE_MESSAGE, LABEL_OPTIONAL, ".synthetic.v1.Plain"),
        ],
      },
    ],
  });
  const registry = createFileRegistry(file, () => undefined);
  const message = (name: string) => registry.getMessage(`synthetic.v1.${name}`)!;
  return {
    inner: message("Inner"),
    holder: message("Holder"),
    lister: message("Lister"),
    plain: message("Plain"),
  };
}

Deno.test("validate: a type has rules exactly where protovalidate finds violations", () => {
  const validator = createValidator();
  const s = synthetic();
  const bad = { name: "x" };
  // Types with rules, each with a message protovalidate rejects.
  const ruled: [DescMessage, Record<string, unknown>][] = [
    [CreateUserRequestSchema, { name: "x", email: "a@b" }],
    [s.inner, bad],
    [s.holder, { inner: bad }],
    [s.lister, { items: [{ name: "ok" }, bad] }],
  ];
  for (const [schema, init] of ruled) {
    assert.equal(hasRules(schema), true, schema.typeName);
    const result = validator.validate(schema, create(schema, init as never));
    assert.equal(result.kind, "invalid", `${schema.typeName}: the oracle finds the violation`);
  }
  // Types without rules: every message is valid, however it is filled.
  const plain: [DescMessage, Record<string, unknown>][] = [
    [HelloRequestSchema, { name: "" }],
    [HelloStreamRequestSchema, { name: "x", count: -1, intervalMs: 99999 }],
    [HelloReplySchema, { message: "" }],
    [CreateUserReplySchema, { created: -5 }],
    [s.plain, { name: "", next: { name: "x", next: { name: "" } } }],
    [TimestampSchema, { seconds: -1n, nanos: -1 }],
    [DurationSchema, { seconds: 1n, nanos: 2_000_000_000 }],
    [StructSchema, { fields: { a: { kind: { case: "stringValue", value: "" } } } }],
    [DescriptorProtoSchema, { name: "", field: [{ name: "" }], nestedType: [{ name: "x" }] }],
  ];
  for (const [schema, init] of plain) {
    assert.equal(hasRules(schema), false, schema.typeName);
    for (const message of [create(schema), create(schema, init as never)]) {
      assert.equal(validator.validate(schema, message).kind, "valid", schema.typeName);
    }
  }
});
