// Invalid or conflicting google.api.http rules fail at server start, naming method and rule;
// Accept negotiation reads lists, parameters and q-values.
import assert from "node:assert/strict";
import {
  BadBody,
  BadResponseBody,
  BadTemplate,
  BadVariable,
  Conflicting,
  GetWithBody,
} from "../fixtures/proto/bookstore/gen/bookstore/v1/bad_rules_pb.ts";
import { createHttpServer, type ServiceDesc } from "../../transport/mod.ts";
import { negotiate, parseTemplate } from "../../transport/rest/mod.ts";

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
