// The OpenAPI document validates against the OpenAPI 3.1 schema (a maintained validator from
// npm) and lists every annotated route with its parameters; the server publishes it.
import assert from "node:assert/strict";
import { Validator } from "@seriousme/openapi-schema-validator";
import { parse } from "yaml";
import { Bookstore } from "../fixtures/proto/bookstore/gen/bookstore/v1/bookstore_pb.ts";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { createHttpServer, openapiDocument } from "../../transport/mod.ts";
import { run } from "../support/process.ts";
import { BUF, root } from "../support/tools.ts";

type Operation = {
  operationId?: string;
  description?: string;
  parameters?: { name: string; in: string; description?: string }[];
};

type Doc = {
  paths: Record<
    string,
    Record<
      string,
      { parameters?: { name: string; in: string }[]; requestBody?: unknown; description?: string }
    >
  >;
  components: {
    schemas: Record<
      string,
      { description?: string; properties?: Record<string, { description?: string }> }
    >;
  };
};

async function validate(doc: unknown) {
  const validator = new Validator();
  const result = await validator.validate(doc as never);
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
}

Deno.test("the bookstore's OpenAPI document is valid and lists every route", async () => {
  const image = await Deno.makeTempFile({ suffix: ".binpb" });
  const build = await run(BUF, [
    "build",
    `${root}tests/fixtures/proto/bookstore`,
    "--path",
    `${root}tests/fixtures/proto/bookstore/proto/bookstore/v1/bookstore.proto`,
    "--as-file-descriptor-set",
    "-o",
    image,
  ]);
  assert.equal(build.code, 0, build.stderr);
  const doc = openapiDocument([Bookstore], {
    title: "bookstore",
    version: "1.0.0",
    descriptors: await Deno.readFile(image),
  }) as unknown as Doc;
  await Deno.remove(image);
  await validate(doc);
  assert.deepEqual(Object.keys(doc.paths).sort(), [
    "/v1/books/{book.id}",
    "/v1/books/{id}",
    "/v1/books/{name}",
    "/v1/files/{path}",
    "/v1/shelves/{shelf.id}/books",
    "/v1/shelves/{shelf_id}/books",
    "/v1/shelves/{shelf_id}/books:watch",
    "/v1/{name}",
    "/v1/{name}:archive",
  ]);
  const list = doc.paths["/v1/shelves/{shelf.id}/books"].get;
  const params = list.parameters!.map((p) => `${p.in}:${p.name}`);
  assert.ok(params.includes("path:shelf.id"));
  for (
    const q of [
      "page_size",
      "authors",
      "format",
      "shelf.genre",
      "published_after",
      "read_mask",
      "in_stock",
    ]
  ) {
    assert.ok(params.includes(`query:${q}`), `missing query parameter ${q}: ${params}`);
  }
  assert.ok(!params.includes("query:shelf.id"), "a path-bound field is not also a query parameter");
  assert.ok(doc.paths["/v1/shelves/{shelf_id}/books"].post.requestBody);
  assert.equal(
    doc.paths["/v1/books/{book.id}"].patch.parameters?.length,
    1,
    "body * takes no query",
  );
  assert.equal(doc.paths["/v1/{name}"].get.description, "Gets a book by its resource name.");
  assert.equal(doc.components.schemas["bookstore.v1.Book"].description, "A book.");
  assert.equal(
    doc.components.schemas["bookstore.v1.Book"].properties!.pageCount.description,
    "Number of pages.",
  );
  assert.ok(doc.components.schemas["atreus.Error"]);
  assert.ok(doc.components.schemas["bookstore.v1.Format"]);
});

Deno.test("the HTTP server serves its OpenAPI document and Swagger UI", async () => {
  const server = createHttpServer({
    address: "127.0.0.1:0",
    services: [[Greeter, { sayHello: () => ({ message: "x" }) }]],
    openapi: { title: "hello", swaggerUi: true },
  });
  await server.start();
  try {
    const base = server.endpoint().href.replace(/\/$/, "");
    const res = await fetch(`${base}/openapi.json`);
    assert.equal(res.status, 200);
    const doc = await res.json();
    await validate(doc);
    assert.deepEqual(Object.keys(doc.paths), ["/helloworld/{name}", "/helloworld/{name}/stream"]);
    const ui = await fetch(`${base}/docs`);
    assert.equal(ui.status, 200);
    assert.match(await ui.text(), /openapi\.json/);
  } finally {
    await server.stop();
  }
});

// The task as deno.json defines it, with --out sent to a temporary file: the test must not
// rewrite the checked-in document, which it compares against instead.
async function runOpenapiTask(out: string) {
  const config = JSON.parse(await Deno.readTextFile(`${root}deno.json`));
  const words = (config.tasks.openapi as string).split(/\s+/);
  assert.deepEqual(words.slice(0, 3), ["deno", "run", "-A"], "the task runs a deno script");
  const outAt = words.indexOf("--out");
  assert.ok(outAt > 0, "the task names its --out");
  const args = [...words.slice(1, outAt + 1), out, ...words.slice(outAt + 2)];
  return await run(Deno.execPath(), args, { cwd: root, timeoutMs: 60_000 });
}

// What greeter.proto says, read from its text (not through buf): each rpc's leading comment
// and HTTP rule, each message's and field's leading comment.
async function protoComments() {
  const text = await Deno.readTextFile(
    `${root}examples/helloworld/api/helloworld/v1/greeter.proto`,
  );
  const rpcs = [...text.matchAll(
    /\/\/ (.+)\n\s*rpc (\w+)\([^)]*\) returns \([^)]*\) \{[^}]*?\(google\.api\.http\) = \{(\w+): "([^"]+)"/g,
  )].map(([, comment, name, verb, path]) => ({ comment, name, verb, path }));
  const messages = [...text.matchAll(/\/\/ (.+)\nmessage (\w+) \{([^}]*)\}/g)].map(
    ([, comment, name, body]) => ({
      comment,
      name,
      fields: [...body.matchAll(/\/\/ (.+)\n\s*\w+ (\w+) = \d+;/g)].map(([, c, f]) => ({
        comment: c,
        name: f,
      })),
    }),
  );
  return { rpcs, messages };
}

Deno.test("deno task openapi writes helloworld's document with proto comments, as checked in", async () => {
  const checkedIn = `${root}examples/helloworld/openapi.yaml`;
  const before = await Deno.readFile(checkedIn);
  const dir = await Deno.makeTempDir();
  try {
    const out = await runOpenapiTask(`${dir}/openapi.yaml`);
    assert.equal(out.code, 0, out.stderr);
    const text = await Deno.readTextFile(`${dir}/openapi.yaml`);
    const doc = parse(text) as Omit<Doc, "paths"> & {
      paths: Record<string, Record<string, Operation>>;
    };
    await validate(doc);

    const { rpcs, messages } = await protoComments();
    assert.equal(rpcs.length, 2, "greeter.proto has two annotated rpcs");
    assert.deepEqual(Object.keys(doc.paths).sort(), rpcs.map((r) => r.path).sort());
    for (const rpc of rpcs) {
      const op = doc.paths[rpc.path]?.[rpc.verb];
      assert.ok(op, `${rpc.verb.toUpperCase()} ${rpc.path} for ${rpc.name}`);
      assert.equal(op.operationId, `Greeter_${rpc.name}`);
      assert.equal(op.description, rpc.comment, `${rpc.name}'s comment`);
      for (const name of rpc.path.matchAll(/\{(\w+)\}/g).map((m) => m[1])) {
        assert.ok(op.parameters?.some((p) => p.name === name && p.in === "path"), name);
      }
    }
    // Query parameters of the stream carry the request fields' comments.
    const stream = doc.paths["/helloworld/{name}/stream"].get;
    const request = messages.find((m) => m.name === "HelloStreamRequest")!;
    for (const field of request.fields.filter((f) => f.name !== "name")) {
      const param = stream.parameters?.find((p) => p.name === field.name);
      assert.equal(param?.in, "query", field.name);
      assert.equal(param?.description, field.comment, `${field.name}'s comment`);
    }
    const reply = messages.find((m) => m.name === "HelloReply")!;
    assert.equal(doc.components.schemas["helloworld.v1.HelloReply"]?.description, reply.comment);

    // The checked-in document is what the task writes today (regenerate it when protos change),
    // and the test left it untouched.
    assert.equal(
      new TextDecoder().decode(before),
      text,
      "examples/helloworld/openapi.yaml is stale",
    );
    assert.deepEqual(await Deno.readFile(checkedIn), before);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
