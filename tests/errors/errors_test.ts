// The error value: constructors, immutability, fromError on every kind of thrown value, `is`,
// and bad input.
import assert from "node:assert/strict";
import {
  AtreusError,
  badRequest,
  clientClosed,
  code,
  conflict,
  forbidden,
  fromError,
  gatewayTimeout,
  internal,
  is,
  isAtreusError,
  newError,
  notFound,
  reason,
  serviceUnavailable,
  tooManyRequests,
  unauthorized,
} from "../../errors/mod.ts";

Deno.test("constructors set Kratos's status codes", () => {
  const cases: [(r: string, m: string) => AtreusError, number][] = [
    [badRequest, 400],
    [unauthorized, 401],
    [forbidden, 403],
    [notFound, 404],
    [conflict, 409],
    [tooManyRequests, 429],
    [clientClosed, 499],
    [internal, 500],
    [serviceUnavailable, 503],
    [gatewayTimeout, 504],
  ];
  for (const [make, status] of cases) {
    const e = make("SOME_REASON", "some message");
    assert.ok(e instanceof AtreusError && e instanceof Error, make.name);
    assert.equal(e.code, status, make.name);
    assert.equal(e.reason, "SOME_REASON", make.name);
    assert.equal(e.message, "some message", make.name);
    assert.deepEqual(e.metadata, {}, make.name);
    assert.equal(e.cause, undefined, make.name);
    assert.equal(e.name, "AtreusError");
  }
  const e = newError(422, "INVALID_STATE", "nope");
  assert.deepEqual([e.code, e.reason, e.message], [422, "INVALID_STATE", "nope"]);
});

Deno.test("withCause and withMetadata return new values", () => {
  const base = notFound("USER_NOT_FOUND", "user 42");
  const cause = new Error("row missing");
  const withCause = base.withCause(cause);
  const withMd = withCause.withMetadata({ id: "42" });
  assert.notEqual(withCause, base);
  assert.equal(base.cause, undefined);
  assert.equal(withCause.cause, cause);
  assert.deepEqual(base.metadata, {});
  assert.deepEqual(withMd.metadata, { id: "42" });
  assert.equal(withMd.cause, cause, "metadata copy keeps the cause");
  assert.deepEqual(withMd.withMetadata({ other: "x" }).metadata, { other: "x" }, "replaces");
  assert.ok(Object.isFrozen(withMd.metadata));
  assert.equal(
    String(withMd),
    'error: code = 404 reason = USER_NOT_FOUND message = user 42 metadata = {"id":"42"} ' +
      "cause = row missing",
  );
});

Deno.test("a metadata object is copied, not shared", () => {
  const md: Record<string, string> = { a: "1" };
  const e = badRequest("R", "m").withMetadata(md);
  md.a = "2";
  assert.deepEqual(e.metadata, { a: "1" });
  const proto = badRequest("R", "m").withMetadata(JSON.parse('{"__proto__":"x"}'));
  assert.equal(Object.getPrototypeOf(proto.metadata), Object.prototype);
  assert.equal(proto.metadata["__proto__"], "x");
});

Deno.test("bad constructor input throws typed errors naming the problem", () => {
  const bad: [() => unknown, ErrorConstructor, RegExp][] = [
    [() => newError(1000, "R", "m"), RangeError, /code must be an HTTP status .* got 1000/],
    [() => newError(99, "R", "m"), RangeError, /got 99/],
    [() => newError(404.5, "R", "m"), RangeError, /got 404.5/],
    [() => newError(Number.NaN, "R", "m"), RangeError, /got NaN/],
    [() => newError("404" as unknown as number, "R", "m"), RangeError, /got 404/],
    [() => newError(404, 7 as unknown as string, "m"), TypeError, /reason must be a string/],
    [
      () => notFound("R", "m").withMetadata({ n: 1 } as unknown as Record<string, string>),
      TypeError,
      /metadata value of "n" must be a string, got number/,
    ],
    [
      () => notFound("R", "m").withMetadata(null as unknown as Record<string, string>),
      TypeError,
      /metadata must be an object/,
    ],
  ];
  for (const [fn, type, message] of bad) {
    assert.throws(fn, (e: unknown) => {
      assert.ok(e instanceof type, `${e} is a ${type.name}`);
      assert.match((e as Error).message, message);
      return true;
    });
  }
});

Deno.test("fromError converts every kind of thrown value", () => {
  const atreus = conflict("TAKEN", "name taken");
  const plain = new Error("disk full");
  const cases: [string, unknown, number, string, string][] = [
    ["AtreusError", atreus, 409, "TAKEN", "name taken"],
    ["wrapped AtreusError", new Error("outer", { cause: atreus }), 409, "TAKEN", "name taken"],
    ["plain Error", plain, 500, "", "disk full"],
    ["TypeError", new TypeError("x is undefined"), 500, "", "x is undefined"],
    ["AbortError", new DOMException("aborted", "AbortError"), 499, "", "aborted"],
    ["TimeoutError", new DOMException("too slow", "TimeoutError"), 504, "", "too slow"],
    ["string", "just text", 500, "", "just text"],
    ["undefined", undefined, 500, "", "unknown error: undefined thrown"],
    ["null", null, 500, "", "unknown error: null thrown"],
    ["number", 42, 500, "", "unknown error: 42 thrown"],
    ["error-like object", { name: "X", message: "duck" }, 500, "", "duck"],
    ["bare object", { a: 1 }, 500, "", "unknown error: [object Object] thrown"],
    ["unprintable", Object.create(null), 500, "", "unknown error: [object Object] thrown"],
  ];
  for (const [name, input, status, why, message] of cases) {
    const e = fromError(input);
    assert.ok(e instanceof AtreusError, name);
    assert.deepEqual([e.code, e.reason, e.message], [status, why, message], name);
    assert.equal(code(input), status, name);
    assert.equal(reason(input), why, name);
  }
  assert.equal(fromError(atreus), atreus, "an AtreusError is returned as is");
  assert.equal(fromError(plain).cause, plain, "the original is the cause");
});

Deno.test("fromError survives cyclic and very long cause chains", () => {
  const a = new Error("a");
  const b = new Error("b", { cause: a });
  (a as { cause?: unknown }).cause = b;
  assert.equal(fromError(a).message, "a");
  let deep: Error = notFound("DEEP", "deep");
  for (let i = 0; i < 100; i++) deep = new Error(`level ${i}`, { cause: deep });
  assert.equal(fromError(deep).code, 500, "chains are searched to a bounded depth");
  let shallow: Error = notFound("NEAR", "near");
  for (let i = 0; i < 5; i++) shallow = new Error(`level ${i}`, { cause: shallow });
  assert.equal(fromError(shallow).reason, "NEAR");
});

Deno.test("is compares code and reason, not message or metadata", () => {
  const target = notFound("USER_NOT_FOUND", "");
  const cases: [string, unknown, unknown, boolean][] = [
    ["same", notFound("USER_NOT_FOUND", "user 1"), target, true],
    ["metadata ignored", notFound("USER_NOT_FOUND", "x").withMetadata({ a: "b" }), target, true],
    ["wrapped", new Error("ctx", { cause: notFound("USER_NOT_FOUND", "x") }), target, true],
    ["other reason", notFound("ORDER_NOT_FOUND", "x"), target, false],
    ["other code", badRequest("USER_NOT_FOUND", "x"), target, false],
    ["plain error", new Error("USER_NOT_FOUND"), target, false],
    ["plain vs empty-reason 500", new Error("x"), internal("", ""), false],
    ["undefined", undefined, target, false],
    ["target not coded", notFound("USER_NOT_FOUND", "x"), new Error("x"), false],
  ];
  for (const [name, err, t, want] of cases) assert.equal(is(err, t), want, name);
});

Deno.test("errors from another copy of the package are recognised by their brand", () => {
  const foreign = new Error("foreign") as Error & Record<symbol, unknown>;
  Object.assign(foreign, { code: 404, reason: "X", metadata: {} });
  assert.equal(isAtreusError(foreign), false);
  Object.defineProperty(foreign, Symbol.for("@atreus/atreus/errors.AtreusError"), { value: true });
  assert.equal(isAtreusError(foreign), true);
  assert.equal(fromError(foreign), foreign);
  assert.equal(isAtreusError(notFound("X", "")), true);
  assert.equal(isAtreusError({}), false);
});
