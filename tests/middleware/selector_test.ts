// Kratos's selector semantics, table-driven: exact paths, prefixes, full-match regexes,
// predicates; non-matching calls skip the selected middleware.
import assert from "node:assert/strict";
import { chain, selector } from "../../middleware/mod.ts";
import type { CallRequest, CallResponse, Middleware } from "../../transport/mod.ts";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";

function fakeRequest(service: string, method: string): CallRequest {
  return {
    stream: false,
    message: { $typeName: "x" },
    method: { ...Greeter.methods[0], name: method } as never,
    service: { ...Greeter, typeName: service } as never,
    requestMethod: "POST",
    url: "",
    signal: new AbortController().signal,
    header: new Headers(),
    contextValues: { get: () => undefined, set() {}, delete() {} } as never,
  } as CallRequest;
}

const mark = (log: string[], name: string): Middleware => (next) => (req) => {
  log.push(name);
  return next(req);
};

const cases: [string, (m: Middleware) => Middleware, string, boolean][] = [
  ["exact path", (m) => selector(m).path("/a.v1.S/Get").build(), "/a.v1.S/Get", true],
  [
    "exact path, other method",
    (m) => selector(m).path("/a.v1.S/Get").build(),
    "/a.v1.S/List",
    false,
  ],
  ["prefix", (m) => selector(m).prefix("/a.v1.S/").build(), "/a.v1.S/List", true],
  ["prefix, other service", (m) => selector(m).prefix("/a.v1.S/").build(), "/b.v1.S/List", false],
  [
    "regex full match",
    (m) => selector(m).regex("/a\\.v1\\.S/(Get|List)").build(),
    "/a.v1.S/List",
    true,
  ],
  [
    "regex must match whole op",
    (m) => selector(m).regex("/a\\.v1\\.S/Get").build(),
    "/a.v1.S/GetMore",
    false,
  ],
  ["RegExp object", (m) => selector(m).regex(/\/a\.v1\..*/).build(), "/a.v1.S/X", true],
  [
    "predicate",
    (m) => selector(m).match((op) => op.endsWith("/Delete")).build(),
    "/a.v1.S/Delete",
    true,
  ],
  ["nothing configured", (m) => selector(m).build(), "/a.v1.S/Get", false],
  [
    "any of several",
    (m) => selector(m).path("/x.v1.S/A").prefix("/y.").regex("/z\\..*").build(),
    "/y.v1.S/B",
    true,
  ],
];

for (const [name, build, op, selected] of cases) {
  Deno.test(`selector: ${name}`, async () => {
    const log: string[] = [];
    const [, svc, method] = op.split("/");
    const handler = () => {
      log.push("handler");
      return Promise.resolve({} as CallResponse);
    };
    await chain(mark(log, "outer"), build(mark(log, "selected")))(handler)(
      fakeRequest(svc, method),
    );
    assert.deepEqual(log, selected ? ["outer", "selected", "handler"] : ["outer", "handler"]);
  });
}

Deno.test("selector: an invalid regex is a clear error at build time", () => {
  assert.throws(() => selector().regex("("), /selector: invalid regex "\("/);
});

Deno.test("chain runs the first middleware outermost", async () => {
  const log: string[] = [];
  const handler = () => Promise.resolve({} as CallResponse);
  await chain(mark(log, "a"), mark(log, "b"), mark(log, "c"))(handler)(fakeRequest("p.S", "M"));
  assert.deepEqual(log, ["a", "b", "c"]);
});
