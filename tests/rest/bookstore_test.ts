// REST transcoding end to end: a bookstore whose google.api.http rules cover nested path
// variables, multi-segment and ** patterns, custom verbs, body "*" and body fields,
// response_body, additional bindings, repeated/nested/enum/well-known query parameters and a
// server stream — each route hit with plain fetch over a real socket.
import assert from "node:assert/strict";
import { create, toJson } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  BookSchema,
  Bookstore,
  Format,
  ListBooksRequestSchema,
} from "../fixtures/proto/bookstore/gen/bookstore/v1/bookstore_pb.ts";
import { createHttpServer, fromServerContext, type Middleware } from "../../transport/mod.ts";
import { notFound } from "../../errors/mod.ts";

const published = timestampFromDate(new Date("2024-01-02T03:04:05Z"));
const seen: string[] = [];

const impl = {
  getBook(req: { name: string }) {
    return { name: req.name, id: 1n, title: "T", formats: [Format.PAPER, Format.EBOOK], published };
  },
  listBooks(req: unknown) {
    return { books: [], bound: JSON.stringify(toJson(ListBooksRequestSchema, req as never)) };
  },
  createBook(req: { shelfId: bigint; book?: { title: string }; requestId: string }) {
    return create(BookSchema, {
      name: `shelves/${req.shelfId}/books/${req.book?.title}`,
      title: `${req.book?.title} (${req.requestId})`,
    });
  },
  updateBook(req: { book?: { id: bigint; title: string }; updateMask?: { paths: string[] } }) {
    return { id: req.book?.id, title: `${req.book?.title} [${req.updateMask?.paths.join("|")}]` };
  },
  archiveBook(req: { name: string; reason: string }) {
    return { archivedAt: published, note: `${req.name}: ${req.reason}` };
  },
  getFile(req: { path: string }) {
    return { path: req.path };
  },
  deleteBook(req: { id: bigint }) {
    if (req.id === 404n) throw notFound("BOOK_NOT_FOUND", "book 404 does not exist");
    return {};
  },
  async *watchBooks(req: { shelfId: bigint; count: number }) {
    for (let i = 1; i <= req.count; i++) {
      yield { id: BigInt(i), title: `book ${i} of ${req.shelfId}` };
    }
  },
};

const record: Middleware = (next) => (req) => {
  const info = fromServerContext();
  seen.push(`${info?.kind} ${info?.operation} ${info?.pathTemplate}`);
  return next(req);
};

async function withServer(
  fn: (base: string) => Promise<void>,
  rest?: { useProtoFieldName?: boolean; emitDefaults?: boolean },
) {
  const server = createHttpServer({
    address: "127.0.0.1:0",
    services: [[Bookstore, impl]],
    middleware: [record],
    rest,
  });
  await server.start();
  try {
    await fn(server.endpoint().href.replace(/\/$/, ""));
  } finally {
    await server.stop();
  }
}

async function call(url: string, init?: RequestInit) {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, type: res.headers.get("content-type"), text, json: safeJson(text) };
}
function safeJson(text: string) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

Deno.test("REST routes bind path, query and body as google.api.http specifies", async (t) => {
  await withServer(async (base) => {
    await t.step("multi-segment path variable and an additional binding", async () => {
      const a = await call(`${base}/v1/shelves/1/books/2`);
      assert.equal(a.status, 200);
      assert.deepEqual(a.json, {
        name: "shelves/1/books/2",
        id: "1",
        title: "T",
        formats: ["FORMAT_PAPER", "FORMAT_EBOOK"],
        published: "2024-01-02T03:04:05Z",
      });
      assert.equal(a.type, "application/json");
      assert.equal((await call(`${base}/v1/books/abc%20def`)).json.name, "abc def");
    });
    await t.step("nested path variable and every kind of query parameter", async () => {
      const q = "page_size=10&authors=a&authors=b&format=FORMAT_EBOOK&shelf.genre=scifi" +
        "&published_after=2024-01-01T00:00:00Z&max_age=1.5s&read_mask=title,formats" +
        "&in_stock=true&include_drafts=false&min_rating=4.5&unknown=ignored";
      const r = await call(`${base}/v1/shelves/7/books?${q}`);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(JSON.parse(r.json.bound), {
        shelf: { id: "7", genre: "scifi" },
        pageSize: 10,
        authors: ["a", "b"],
        format: "FORMAT_EBOOK",
        publishedAfter: "2024-01-01T00:00:00Z",
        maxAge: "1.500s",
        readMask: "title,formats",
        inStock: true,
        minRating: 4.5,
      });
      const byNumber = await call(`${base}/v1/shelves/7/books?format=2&readMask=title&readMask=id`);
      assert.deepEqual(JSON.parse(byNumber.json.bound), {
        shelf: { id: "7" },
        format: "FORMAT_EBOOK",
        readMask: "title,id",
      });
    });
    await t.step("body field plus query plus path", async () => {
      const r = await call(`${base}/v1/shelves/3/books?request_id=r1`, {
        method: "POST",
        body: JSON.stringify({ title: "Dune", formats: ["FORMAT_PAPER"] }),
      });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json, { name: "shelves/3/books/Dune", title: "Dune (r1)" });
    });
    await t.step("body * with the path winning over the body", async () => {
      const r = await call(`${base}/v1/books/5`, {
        method: "PATCH",
        body: JSON.stringify({ book: { id: "99", title: "New" }, updateMask: "title,pageCount" }),
      });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json, { id: "5", title: "New [title|page_count]" });
    });
    await t.step("custom verb and response_body", async () => {
      const r = await call(`${base}/v1/shelves/1/books/2:archive`, {
        method: "POST",
        body: JSON.stringify({ reason: "old" }),
      });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json, "2024-01-02T03:04:05Z");
    });
    await t.step("** matches the rest of the path", async () => {
      assert.deepEqual((await call(`${base}/v1/files/a/b/c.txt`)).json, { path: "a/b/c.txt" });
    });
    await t.step("DELETE, and a typed error body with the mapped status", async () => {
      const ok = await call(`${base}/v1/books/9`, { method: "DELETE" });
      assert.equal(ok.status, 200);
      assert.deepEqual(ok.json, {});
      const missing = await call(`${base}/v1/books/404`, { method: "DELETE" });
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.json, {
        code: 404,
        reason: "BOOK_NOT_FOUND",
        message: "book 404 does not exist",
        metadata: {},
      });
    });
    await t.step("server stream as NDJSON and as Server-Sent Events", async () => {
      const nd = await call(`${base}/v1/shelves/4/books:watch?count=2`);
      assert.equal(nd.type, "application/x-ndjson");
      assert.deepEqual(nd.text.trim().split("\n").map((l) => JSON.parse(l)), [
        { id: "1", title: "book 1 of 4" },
        { id: "2", title: "book 2 of 4" },
      ]);
      const sse = await call(`${base}/v1/shelves/4/books:watch?count=2`, {
        headers: { accept: "text/event-stream;q=0.9, application/x-ndjson;q=0.1" },
      });
      assert.equal(sse.type, "text/event-stream");
      assert.equal(
        sse.text,
        'data: {"id":"1","title":"book 1 of 4"}\n\ndata: {"id":"2","title":"book 2 of 4"}\n\n',
      );
    });
    await t.step("middleware sees kind http, the RPC's operation and the path template", () => {
      assert.ok(seen.includes("http /bookstore.v1.Bookstore/GetBook /v1/{name=shelves/*/books/*}"));
      assert.ok(seen.includes("http /bookstore.v1.Bookstore/GetBook /v1/books/{name}"));
      assert.ok(
        seen.includes("http /bookstore.v1.Bookstore/WatchBooks /v1/shelves/{shelf_id}/books:watch"),
      );
    });
    await t.step("RPC protocols still work on the same server", async () => {
      const r = await call(`${base}/bookstore.v1.Bookstore/GetBook`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"name":"rpc"}',
      });
      assert.equal(r.json.name, "rpc");
    });
  });
});

Deno.test("bad REST input gets 400s that name the parameter", async () => {
  await withServer(async (base) => {
    const cases: [string, RequestInit | undefined, RegExp][] = [
      [
        "/v1/shelves/7/books?page_size=ten",
        undefined,
        /query parameter "page_size": "ten" is not an integer/,
      ],
      [
        "/v1/shelves/7/books?format=FORMAT_VINYL",
        undefined,
        /"FORMAT_VINYL" is not a value .*FORMAT_PAPER/,
      ],
      ["/v1/shelves/7/books?in_stock=yes", undefined, /"yes" is not a boolean/],
      [
        "/v1/shelves/7/books?page_size=1&page_size=2",
        undefined,
        /given 2 times but is not repeated/,
      ],
      ["/v1/shelves/7/books?min_rating=high", undefined, /"high" is not a number/],
      [
        "/v1/shelves/7/books?published_after=yesterday",
        undefined,
        /cannot read bookstore\.v1\.ListBooksRequest/,
      ],
      [
        "/v1/shelves/seven/books",
        undefined,
        /path variable \{shelf\.id\}: "seven" is not an integer/,
      ],
      [
        "/v1/shelves/3/books",
        { method: "POST", body: "{not json" },
        /request body \(field "book"\) is not valid JSON/,
      ],
      ["/v1/books/5", { method: "PATCH", body: "[1,2]" }, /request body must be a JSON object/],
    ];
    for (const [path, init, message] of cases) {
      const r = await call(base + path, init);
      assert.equal(r.status, 400, `${path}: ${r.text}`);
      assert.equal(r.json.reason, "CODEC", path);
      assert.equal(r.json.code, 400, path);
      assert.match(r.json.message, message, path);
    }
    const notAcceptable = await call(`${base}/v1/books/1`, { headers: { accept: "text/html" } });
    assert.equal(notAcceptable.status, 406);
    assert.equal(notAcceptable.json.reason, "NOT_ACCEPTABLE");
    const refused = await call(`${base}/v1/books/1`, {
      headers: { accept: "application/json;q=0" },
    });
    assert.equal(refused.status, 406);
  });
});

Deno.test("REST JSON options: proto field names and emitted defaults", async () => {
  await withServer(async (base) => {
    const r = await call(`${base}/v1/books/x`);
    assert.equal(r.json.page_count, 0);
    assert.equal(r.json.pageCount, undefined);
  }, { useProtoFieldName: true, emitDefaults: true });
});
