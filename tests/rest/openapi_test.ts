// The OpenAPI document validates against the OpenAPI 3.1 schema (a maintained validator from
// npm) and lists every annotated route with its parameters; the server publishes it.
import assert from "node:assert/strict";
import { Validator } from "@seriousme/openapi-schema-validator";
import { Bookstore } from "../fixtures/proto/bookstore/gen/bookstore/v1/bookstore_pb.ts";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { createHttpServer, openapiDocument } from "../../transport/mod.ts";
import { run } from "../support/process.ts";
import { BUF, root } from "../support/tools.ts";

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

Deno.test("deno task openapi writes helloworld's document with proto comments", async () => {
  const out = await run(Deno.execPath(), ["task", "openapi"], { cwd: root, timeoutMs: 60_000 });
  assert.equal(out.code, 0, out.stderr);
  const text = await Deno.readTextFile(`${root}examples/helloworld/openapi.yaml`);
  assert.match(text, /description: Sends a greeting\./);
  assert.match(text, /\/helloworld\/\{name\}:/);
});
