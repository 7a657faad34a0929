// Kratos's metadata rules as a table: what the server captures and what the client sends.
import assert from "node:assert/strict";
import * as metadata from "../../metadata/mod.ts";
import { childValues, newValues, runWithValues } from "../../internal/context.ts";
import type { CallRequest, CallResponse } from "../../transport/mod.ts";

function request(header: Headers, values = newValues()): CallRequest {
  return {
    stream: false,
    message: { $typeName: "x" },
    method: { name: "M" } as never,
    service: { typeName: "p.S" } as never,
    requestMethod: "POST",
    url: "",
    signal: new AbortController().signal,
    header,
    contextValues: values,
  } as CallRequest;
}
const done = () => Promise.resolve({} as CallResponse);

Deno.test("server captures every x-md-* header with all values, plus constants", async () => {
  const header = new Headers([["x-md-global-a", "1"], ["x-md-local-b", "2"], ["x-other", "3"]]);
  header.append("x-md-global-a", "4");
  const req = request(header);
  let seen: metadata.Metadata | undefined;
  await metadata.server({ constants: { "x-md-const": "c" } })((r) => {
    seen = runWithValues(r.contextValues as never, () => metadata.fromServerContext());
    return done();
  })(req);
  assert.deepEqual(seen?.toJSON(), {
    "x-md-global-a": ["1", "4"],
    "x-md-local-b": ["2"],
    "x-md-const": ["c"],
  });
});

Deno.test("server prefixes are configurable and case-insensitive", async () => {
  const req = request(new Headers([["X-Tenant-Id", "t1"], ["x-md-global-a", "1"]]));
  let seen: metadata.Metadata | undefined;
  await metadata.server({ prefixes: ["X-Tenant-"] })((r) => {
    seen = r.contextValues.get(metadata.serverMetadataKey);
    return done();
  })(req);
  assert.deepEqual(seen?.toJSON(), { "x-tenant-id": ["t1"] });
});

const clientCases: {
  name: string;
  incoming: Record<string, string[]>;
  clientCtx: Record<string, string[]>;
  constants: Record<string, string>;
  expected: Record<string, string>;
}[] = [
  {
    name: "global keys of the incoming call are forwarded, local ones are not",
    incoming: { "x-md-global-user": ["u"], "x-md-local-trace": ["t"] },
    clientCtx: {},
    constants: {},
    expected: { "x-md-global-user": "u" },
  },
  {
    name: "client-context keys are always sent, whatever their prefix",
    incoming: {},
    clientCtx: { "x-md-local-extra": ["e"], "custom": ["c"] },
    constants: {},
    expected: { "x-md-local-extra": "e", "custom": "c" },
  },
  {
    name: "constants are sent",
    incoming: {},
    clientCtx: {},
    constants: { "x-md-global-app": "gw" },
    expected: { "x-md-global-app": "gw" },
  },
  {
    name: "every value of a key is sent",
    incoming: { "x-md-global-roles": ["a", "b"] },
    clientCtx: {},
    constants: {},
    expected: { "x-md-global-roles": "a, b" },
  },
];

for (const c of clientCases) {
  Deno.test(`client: ${c.name}`, async () => {
    const values = newValues();
    values.set(metadata.serverMetadataKey, new metadata.Metadata(c.incoming));
    const header = new Headers();
    await runWithValues(values, async () => {
      for (const [k, vs] of Object.entries(c.clientCtx)) {
        for (const v of vs) metadata.appendToClientContext(k, v);
      }
      await metadata.client({ constants: c.constants })(done)(request(header));
    });
    assert.deepEqual(Object.fromEntries(header), c.expected);
  });
}

Deno.test("withClientMetadata scopes extra metadata without touching the caller", async () => {
  const outer = newValues();
  outer.set(metadata.clientMetadataKey, new metadata.Metadata({ a: "1" }));
  await runWithValues(outer, async () => {
    await metadata.withClientMetadata(new metadata.Metadata({ b: "2" }), async () => {
      const header = new Headers();
      await metadata.client()(done)(request(header));
      assert.deepEqual(Object.fromEntries(header), { a: "1", b: "2" });
    });
    assert.deepEqual(metadata.fromClientContext()?.toJSON(), { a: ["1"] });
  });
  assert.equal(childValues(undefined).get(metadata.clientMetadataKey), undefined);
});

Deno.test("appendToClientContext outside a request is a clear error; odd pairs too", () => {
  assert.throws(() => metadata.appendToClientContext("k", "v"), /no request context here/);
  runWithValues(newValues(), () => {
    assert.throws(() => metadata.appendToClientContext("k"), /odd count/);
  });
});

Deno.test("Metadata: lower-case keys, multi-values, merge and clone are copies", () => {
  const md = new metadata.Metadata({ "X-A": ["1", "2"] });
  assert.equal(md.get("x-a"), "1");
  assert.deepEqual(md.values("X-A"), ["1", "2"]);
  const merged = md.merge(new metadata.Metadata({ "x-a": "3", "x-b": "4" }));
  assert.deepEqual(merged.toJSON(), { "x-a": ["3"], "x-b": ["4"] });
  assert.deepEqual(md.toJSON(), { "x-a": ["1", "2"] });
  const copy = md.clone().add("x-a", "5");
  assert.deepEqual(md.values("x-a"), ["1", "2"]);
  assert.deepEqual(copy.values("x-a"), ["1", "2", "5"]);
});

Deno.test("Metadata.lazy fills once, on first use, before any change", () => {
  let fills = 0;
  const md = metadata.Metadata.lazy((m) => {
    fills++;
    m.set("x-md-a", "1");
  });
  assert.equal(fills, 0, "nothing is read until the metadata is used");
  md.add("x-md-a", "2");
  assert.equal(fills, 1);
  assert.deepEqual(md.values("x-md-a"), ["1", "2"], "the fill comes before the change");
  md.get("x-md-a");
  md.clone();
  assert.equal(fills, 1, "filled once");
});

Deno.test("server metadata reads the headers only when a handler asks", async () => {
  let reads = 0;
  const header = new Headers([["x-md-global-a", "1"]]);
  const counting = new Proxy(header, {
    get(target, key) {
      if (key === "forEach") reads++;
      const v = Reflect.get(target, key, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  const mw = metadata.server();
  await mw(() => done())(request(counting));
  assert.equal(reads, 0, "a handler that never reads metadata costs no header walk");
  let seen: string | undefined;
  await mw((r) => {
    seen = runWithValues(
      r.contextValues as never,
      () => metadata.fromServerContext()?.get("x-md-global-a"),
    );
    return done();
  })(request(counting));
  assert.equal(seen, "1");
  assert.equal(reads, 1);
});
