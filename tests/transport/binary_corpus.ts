// The seeded message corpus of the binary encoder's tests, shared by the Deno tests and the
// script that runs the same comparison on Node (where the encoder writes into Buffer's pool).
import { create } from "@bufbuild/protobuf";
import { type Scalars, ScalarsSchema } from "../fixtures/proto/wire/gen/fixture/wire/v1/wire_pb.ts";

// A small seeded PRNG, so a failure reproduces.
/** A seeded PRNG (mulberry32). */
export function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** int32 values at the varint boundaries. */
export const INT32 = [0, 1, -1, 127, 128, 300, -300, 16384, 0x7fffffff, -0x80000000];
/** uint32 values at the varint boundaries. */
export const UINT32 = [0, 1, 127, 128, 16383, 16384, 2097152, 0xffffffff];
/** int64 values at the varint boundaries. */
export const INT64 = [
  0n,
  1n,
  -1n,
  127n,
  128n,
  2n ** 35n,
  -(2n ** 40n),
  2n ** 63n - 1n,
  -(2n ** 63n),
];
/** uint64 values at the varint boundaries. */
export const UINT64 = [0n, 1n, 128n, 2n ** 35n, 2n ** 63n, 2n ** 64n - 1n];
/** float values, special ones included. */
export const FLOAT = [0, -0, 1.5, -2.25, NaN, Infinity, -Infinity, 3.4e38, 1e-45];
/** double values, special ones included. */
export const DOUBLE = [0, -0, Math.PI, -1e308, NaN, Infinity, 5e-324];
/** Strings: ASCII, multi-byte, lone surrogates, long. */
export const STRING = [
  "",
  "a",
  "héllo",
  "😀",
  "日本語",
  "\uD800",
  "\uD800x",
  "a\uDC00b",
  "\uD83D\uD83D\uDE00",
  "x".repeat(200),
];
/** Enum values, known and unknown. */
export const ENUM = [0, 1, -3, 99];

/** One of `values`. */
export function pick<T>(r: () => number, values: readonly T[]): T {
  return values[Math.floor(r() * values.length)];
}

/** Random bytes of a few lengths. */
export function bytes(r: () => number): Uint8Array {
  const n = pick(r, [0, 1, 5, 130, 300]);
  return Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
}

/** A list of 0 to 40 values from `make`. */
export function list<T>(r: () => number, make: () => T): T[] {
  return Array.from({ length: pick(r, [0, 0, 1, 3, 40]) }, make);
}

/** A random `Scalars` message, nested to `depth`. */
export function scalars(r: () => number, depth: number): Scalars {
  const m = create(ScalarsSchema, {
    fDouble: pick(r, DOUBLE),
    fFloat: pick(r, FLOAT),
    fInt64: pick(r, INT64),
    fUint64: pick(r, UINT64),
    fInt32: pick(r, INT32),
    fFixed64: pick(r, UINT64),
    fFixed32: pick(r, UINT32),
    fBool: r() < 0.5,
    fString: pick(r, STRING),
    fBytes: bytes(r),
    fUint32: pick(r, UINT32),
    fEnum: pick(r, ENUM),
    fSfixed32: pick(r, INT32),
    fSfixed64: pick(r, INT64),
    fSint32: pick(r, INT32),
    fSint64: pick(r, INT64),
    rInt32: list(r, () => pick(r, INT32)),
    rDouble: list(r, () => pick(r, DOUBLE)),
    rSint64: list(r, () => pick(r, INT64)),
    rString: list(r, () => pick(r, STRING)),
    rBytes: list(r, () => bytes(r)),
    rEnum: list(r, () => pick(r, ENUM)),
    rFixed32: list(r, () => pick(r, UINT32)),
    rBool: list(r, () => r() < 0.5),
    rUnpacked: list(r, () => pick(r, INT32)),
    highTag: r() < 0.3 ? pick(r, STRING) : "",
    midTag: r() < 0.3 ? pick(r, INT32) : 0,
  });
  // Explicit presence: set (even to zero) or left unset.
  if (r() < 0.5) m.oInt32 = pick(r, INT32);
  if (r() < 0.5) m.oString = pick(r, STRING);
  if (r() < 0.5) m.oEnum = pick(r, ENUM);
  if (r() < 0.5) m.oDouble = pick(r, DOUBLE);
  const which = Math.floor(r() * 4);
  if (which === 1) m.choice = { case: "cString", value: pick(r, STRING) };
  if (which === 2) m.choice = { case: "cInt32", value: pick(r, INT32) };
  if (which === 3 && depth > 0) m.choice = { case: "cMessage", value: scalars(r, depth - 1) };
  if (depth > 0 && r() < 0.6) m.child = scalars(r, depth - 1);
  if (depth > 0 && r() < 0.3) m.children = list(r, () => scalars(r, depth - 1)).slice(0, 4);
  return m;
}
