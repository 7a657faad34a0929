// Invalid or conflicting google.api.http rules fail at server start, naming method and rule;
// Accept negotiation reads lists, parameters and q-values.
import assert from "node:assert/strict";
import { create, createFileRegistry } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, MethodOptionsSchema } from "@bufbuild/protobuf/wkt";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { Bookstore } from "../fixtures/proto/bookstore/gen/bookstore/v1/bookstore_pb.ts";
import {
  BadBody,
  BadResponseBody,
  BadTemplate,
  BadVariable,
  Conflicting,
  GetWithBody,
} from "../fixtures/proto/bookstore/gen/bookstore/v1/bad_rules_pb.ts";
import { createHttpServer, type ServiceDesc } from "../../transport/mod.ts";
import { bindingsOf, negotiate, parseTemplate } from "../../transport/rest/mod.ts";

const cases: [ServiceDesc, RegExp][] = [
  [
    BadVariable,
    /BadVariable\.Get \(GET \/bad\/\{missing\}\): path variable \{missing\} names no field/,
  ],
  [BadBody, /BadBody\.Create \(POST \/bad\): body "nope" names no field/],
  [GetWithBody, /GetWithBody\.Get \(GET \/bad\/\{id\}\): a GET rule cannot have a body/],
  [BadResponseBody, /response_body "nothing" names no field/],
  [BadTemplate, /BadTemplate\.Get \(GET bad\/\{id\): path template bad\/\{id must start with "\/"/],
  [
    Conflicting,
    /GET \/same\/\{name\} of \/bookstore\.v1\.Conflicting\/B conflicts with GET \/same\/\{id\} of \/bookstore\.v1\.Conflicting\/A/,
  ],
];

for (const [service, message] of cases) {
  Deno.test(`a bad rule fails at start: ${service.name}`, () => {
    assert.throws(() => createHttpServer({ services: [[service, {}]] }), message);
  });
}

Deno.test("REST can be turned off, and then bad rules are not read", () => {
  createHttpServer({ services: [[BadVariable, {}]], rest: false });
});

Deno.test("path templates: grammar errors are named", () => {
  for (
    const [text, message] of [
      ["/v1/{a", /unclosed/],
      ["/v1/{a}/{a}", /bound twice/],
      ["/v1/**/x", /"\*\*" must be the last segment/],
      ["/v1//x", /empty segment/],
      ["/v1/{a={b}}", /nested variables/],
      ["/v1/{1a}", /invalid field path/],
    ] as const
  ) {
    assert.throws(() => parseTemplate(text), message, text);
  }
  assert.deepEqual(parseTemplate("/v1/{name=shelves/*}:archive").variables, ["name"]);
});

Deno.test("Accept negotiation honours lists, q-values and specificity", () => {
  const offers = ["application/x-ndjson", "text/event-stream"];
  assert.equal(negotiate(null, offers), "application/x-ndjson");
  assert.equal(negotiate("text/event-stream", offers), "text/event-stream");
  assert.equal(negotiate("text/*;q=0.8, application/x-ndjson;q=0.5", offers), "text/event-stream");
  assert.equal(negotiate("*/*", offers), "application/x-ndjson");
  assert.equal(negotiate("text/event-stream;q=0, */*", offers), "application/x-ndjson");
  assert.equal(negotiate("text/html, image/png", offers), undefined);
  assert.equal(
    negotiate("application/json; charset=utf-8", ["application/json"]),
    "application/json",
  );
  assert.equal(
    negotiate("application/*;q=0.2, application/json;q=0", ["application/json"]),
    undefined,
  );
});

Deno.test("google.api.http is read through the service file's own imports", () => {
  // The fixture's generated copy of google/api, not Atreus's, declares the extension it uses.
  const [binding] = bindingsOf(Bookstore.method.getBook);
  assert.equal(binding.label, "GET /v1/{name=shelves/*/books/*}");
  // The same option on a file that does not import google/api/annotations.proto.
  const options = create(MethodOptionsSchema);
  options.$unknown = [{
    no: 72295728,
    wireType: WireType.LengthDelimited,
    data: new BinaryWriter().tag(2, WireType.LengthDelimited).string("/x").finish(),
  }];
  const proto = create(FileDescriptorProtoSchema, {
    name: "orphan.proto",
    package: "orphan",
    syntax: "proto3",
    messageType: [{ name: "M" }],
    service: [{
      name: "S",
      method: [{
        name: "Get",
        inputType: ".orphan.M",
        outputType: ".orphan.M",
        options,
      }],
    }],
  });
  const orphan = createFileRegistry(proto, () => undefined).getService("orphan.S")!;
  assert.throws(
    () => bindingsOf(orphan.method.get),
    /orphan\.S\.Get \(option 72295728\): set, but google\/api\/annotations\.proto/,
  );
});
