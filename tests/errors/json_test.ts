// REST error bodies in Kratos's shape, and bodies that are not error bodies.
import assert from "node:assert/strict";
import { AtreusError, fromJson, notFound, toJson } from "../../errors/mod.ts";

Deno.test("toJson gives Kratos's body and fromJson reads it back", () => {
  const err = notFound("USER_NOT_FOUND", "user 42").withMetadata({ id: "42" })
    .withCause(new Error("secret detail"));
  const body = toJson(err);
  assert.deepEqual(body, {
    code: 404,
    reason: "USER_NOT_FOUND",
    message: "user 42",
    metadata: { id: "42" },
  });
  const text = JSON.stringify(err);
  assert.equal(
    text,
    '{"code":404,"reason":"USER_NOT_FOUND","message":"user 42","metadata":{"id":"42"}}',
  );
  assert.ok(!text.includes("secret"), "the cause never reaches the body");
  for (const input of [body, text]) {
    const back = fromJson(input);
    assert.ok(back instanceof AtreusError);
    assert.deepEqual(back.toJSON(), body);
  }
  assert.deepEqual(toJson(new Error("x")), { code: 500, reason: "", message: "x", metadata: {} });
});

Deno.test("fromJson accepts the empty fields Go encoders leave out", () => {
  const cases: [unknown, string, string][] = [
    [{ code: 503 }, "", ""],
    [{ code: 503, reason: null, message: null, metadata: null }, "", ""],
    ['{"code":429,"reason":"RATELIMIT","message":"slow"}', "RATELIMIT", "slow"],
  ];
  for (const [input, why, message] of cases) {
    const e = fromJson(input);
    assert.deepEqual([e.reason, e.message, e.metadata], [why, message, {}], JSON.stringify(input));
  }
});

Deno.test("fromJson rejects what is not an error body with a TypeError naming the field", () => {
  const cases: [unknown, RegExp][] = [
    ["{not json", /body is not JSON/],
    ["[1]", /body must be a JSON object, got an array/],
    ["null", /body must be a JSON object, got null/],
    [42, /body must be a JSON object, got 42/],
    [undefined, /body must be a JSON object, got undefined/],
    [{}, /"code" must be an HTTP status .* got undefined/],
    [{ code: "404" }, /"code" must be an HTTP status .* got "404"/],
    [{ code: 1000 }, /"code" must be .* got 1000/],
    [{ code: 404.5 }, /got 404.5/],
    [{ code: 404, reason: 1 }, /"reason" must be a string, got 1/],
    [{ code: 404, message: {} }, /"message" must be a string, got object/],
    [{ code: 404, metadata: [] }, /"metadata" must be an object, got an array/],
    [{ code: 404, metadata: "a=b" }, /"metadata" must be an object, got "a=b"/],
    [{ code: 404, metadata: { a: 1 } }, /"metadata.a" must be a string, got 1/],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => fromJson(input), (e: unknown) => {
      assert.ok(e instanceof TypeError, String(e));
      assert.match(e.message, message);
      return true;
    });
  }
});
