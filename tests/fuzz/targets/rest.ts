// REST transcoding from untrusted requests: random methods, paths spliced from the bookstore's
// templates (nested variables, `**`, custom verbs, percent-escapes, dot segments) and query
// strings binding every parameter kind (repeated, dotted, enums, well-known types, wrappers),
// with mutated bodies, through the HTTP server in process. A bad request is a 4xx with a JSON
// error naming the problem; the service never throws, so a 5xx is a bug. Alongside, random
// template text through `parseTemplate`, which may only throw its TypeError.
import fc from "fast-check";
import { create } from "@bufbuild/protobuf";
import { createHttpServer, type HttpServer } from "../../../transport/mod.ts";
import { parseTemplate } from "../../../transport/rest/mod.ts";
import {
  BookSchema,
  Bookstore,
} from "../../fixtures/proto/bookstore/gen/bookstore/v1/bookstore_pb.ts";
import { bytesFrom, expect, type FuzzTarget, show, textFrom } from "../target.ts";

const impl = {
  getBook: (req: { name: string }) => ({ name: req.name }),
  listBooks: () => ({ books: [] }),
  createBook: (req: { book?: { title: string } }) => create(BookSchema, { title: req.book?.title }),
  updateBook: (req: { book?: { title: string } }) => ({ title: req.book?.title }),
  archiveBook: (req: { name: string }) => ({ note: req.name }),
  getFile: (req: { path: string }) => ({ path: req.path }),
  deleteBook: () => ({}),
  async *watchBooks(req: { count: number }) {
    for (let i = 0; i < Math.min(Math.max(req.count, 0), 3); i++) yield { title: `${i}` };
  },
  internal: () => ({}),
};

const SEGMENTS = [
  "v1",
  "shelves",
  "books",
  "files",
  "1",
  "-1",
  "99999999999999999999",
  "x",
  "a:b",
  ":archive",
  ":watch",
  "books:watch",
  "%2F",
  "%",
  "%zz",
  "..",
  ".",
  "",
  "%E2%82%AC",
  "%00",
  "*",
  "**",
];
const KEYS = [
  "page_size",
  "pageSize",
  "authors",
  "published_after",
  "max_age",
  "read_mask",
  "in_stock",
  "include_drafts",
  "min_rating",
  "shelf.id",
  "shelf.genre",
  "book.id",
  "book.title",
  "count",
  "name",
  "request_id",
  "unknown",
  "shelf",
  "shelf.id.x",
  "formats",
];
const VALUES = [
  "1",
  "-1",
  "2147483648",
  "1e3",
  "NaN",
  "true",
  "yes",
  "",
  "2024-01-02T03:04:05Z",
  "not-a-time",
  "3.5s",
  "90",
  "a,b.c",
  "FORMAT_PAPER",
  "%",
  "%zz",
  "\u0000",
  "[1]",
  "{}",
];

const SEGMENT = fc.oneof(
  fc.constantFrom(...SEGMENTS),
  fc.string({ maxLength: 6 }).map(encodeURIComponent),
  fc.string({ unit: "binary", maxLength: 4 }),
);
// Paths shaped like the bookstore's templates, with random variable values.
const ROUTED = fc.oneof(
  fc.tuple(SEGMENT, SEGMENT).map(([a, b]) => ["v1", "shelves", a, "books", b]),
  fc.tuple(SEGMENT, SEGMENT).map(([a, b]) => ["v1", "shelves", a, "books", `${b}:archive`]),
  SEGMENT.map((a) => ["v1", "books", a]),
  SEGMENT.map((a) => ["v1", "shelves", a, "books"]),
  SEGMENT.map((a) => ["v1", "shelves", a, "books:watch"]),
  fc.array(SEGMENT, { maxLength: 4 }).map((rest) => ["v1", "files", ...rest]),
);

interface Input {
  readonly method: string;
  readonly path: string[];
  readonly query: [string, string][];
  readonly body: Uint8Array;
  readonly json: boolean;
  readonly template: string;
}

let server: HttpServer;

export const target: FuzzTarget<Input> = {
  name: "rest",
  async: true,
  setup() {
    server = createHttpServer({
      address: "127.0.0.1:0",
      services: [[Bookstore, impl]],
      readMaxBytes: 4096,
    });
    return Promise.resolve();
  },
  arbitrary: (seeds) =>
    fc.record({
      method: fc.constantFrom("GET", "POST", "PATCH", "DELETE", "PUT", "OPTIONS"),
      path: fc.oneof(
        { weight: 4, arbitrary: ROUTED },
        { weight: 1, arbitrary: fc.array(SEGMENT, { minLength: 1, maxLength: 6 }) },
      ),
      query: fc.array(
        fc.tuple(
          fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 5 })),
          fc.oneof(fc.constantFrom(...VALUES), fc.string({ maxLength: 8 })),
        ),
        { maxLength: 5 },
      ),
      body: bytesFrom(seeds),
      json: fc.boolean(),
      template: textFrom(seeds, 48),
    }),
  examples: (seeds) =>
    seeds.map((body) => ({
      method: "POST",
      path: ["v1", "shelves", "1", "books"],
      query: [["request_id", "r"]],
      body,
      json: true,
      template: new TextDecoder().decode(body),
    })),
  async check(input) {
    try {
      parseTemplate(input.template);
    } catch (e) {
      expect(
        e instanceof TypeError,
        `parseTemplate threw ${(e as Error)?.name}: ${e}`,
        input.template,
      );
    }
    const query = new URLSearchParams(input.query).toString();
    const url = `http://fuzz/${input.path.join("/")}${query ? `?${query}` : ""}`;
    const hasBody = input.method !== "GET" && input.method !== "OPTIONS";
    let request: Request;
    try {
      request = new Request(url, {
        method: input.method,
        headers: input.json ? { "content-type": "application/json" } : {},
        body: hasBody ? input.body as Uint8Array<ArrayBuffer> : undefined,
      });
    } catch {
      return; // a URL fetch itself refuses never reaches a server
    }
    const res = await server.app.fetch(request);
    const text = await res.text();
    expect(
      res.status < 500,
      `HTTP ${res.status}: ${text.slice(0, 300)}`,
      show({ url, method: input.method, body: new TextDecoder().decode(input.body) }),
    );
    if (res.status >= 400 && res.status !== 404 && res.status !== 405) {
      let json: { code?: number; reason?: string; message?: string };
      try {
        json = JSON.parse(text);
      } catch {
        throw new Error(`HTTP ${res.status} without a JSON error: ${text.slice(0, 200)} (${url})`);
      }
      expect(
        typeof json.message === "string" && json.message !== "",
        `error without a message: ${text}`,
        url,
      );
    }
  },
};
