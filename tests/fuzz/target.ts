// The shape of one fuzz target and the corpus-seeded byte mutator the targets share. fast-check
// drives every target: Jazzer.js (coverage-guided, on Node) does not install here (its
// prebuilt addon needs glibc 2.38; see docs/benchmarks.md), so structure-aware generators plus
// mutations of a committed seed corpus stand in for coverage feedback.
import { concatBytes } from "../../internal/bytes.ts";
import fc from "fast-check";
import { fromFileUrl } from "../support/paths.ts";

/** One fuzz target: inputs to generate and a property every input must satisfy. */
export interface FuzzTarget<T> {
  /** Name, also the folder of its seed corpus under `tests/fuzz/corpus/`. */
  readonly name: string;
  /** Generator of inputs (usually seeds, their mutations and fresh random values). */
  arbitrary(seeds: readonly Uint8Array[]): fc.Arbitrary<T>;
  /** Seed inputs, run first on every run. */
  examples(seeds: readonly Uint8Array[]): T[];
  /** True when `check` returns a promise (it then gets a per-input timeout). */
  readonly async?: boolean;
  /** Throws (or rejects) when the input exposes a bug; anything else is a pass. */
  check(input: T): void | Promise<void>;
  /** Set up before the first input and torn down after the last (servers, say). */
  setup?(): Promise<void>;
  /** Tears down what `setup` started. */
  teardown?(): Promise<void>;
}

/** The committed seed corpus of `name`: every file under `tests/fuzz/corpus/<name>/`. */
export function readCorpus(name: string): Uint8Array[] {
  const dir = fromFileUrl(new URL(`./corpus/${name}/`, import.meta.url));
  const files = [...Deno.readDirSync(dir)].filter((e) => e.isFile).map((e) => e.name).sort();
  return files.map((f) => Deno.readFileSync(dir + f));
}

const INTERESTING = [0x00, 0x01, 0x02, 0x7f, 0x80, 0xff, 0x0a, 0x22, 0x25, 0x7b, 0x7d, 0x3a];

type Op =
  | { op: "flip"; at: number; bit: number }
  | { op: "set"; at: number; value: number }
  | { op: "insert"; at: number; bytes: Uint8Array }
  | { op: "delete"; at: number; n: number }
  | { op: "duplicate"; at: number; n: number }
  | { op: "truncate"; at: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("flip" as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({
    op: fc.constant("set" as const),
    at: fc.nat(),
    value: fc.oneof(fc.constantFrom(...INTERESTING), fc.nat(255)),
  }),
  fc.record({
    op: fc.constant("insert" as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({
    op: fc.constant("delete" as const),
    at: fc.nat(),
    n: fc.integer({ min: 1, max: 8 }),
  }),
  fc.record({
    op: fc.constant("duplicate" as const),
    at: fc.nat(),
    n: fc.integer({ min: 1, max: 16 }),
  }),
  fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
);

function apply(input: Uint8Array, ops: readonly Op[]): Uint8Array {
  let b = input;
  for (const o of ops) {
    const at = b.length === 0 ? 0 : o.at % (b.length + 1);
    switch (o.op) {
      case "flip":
        if (b.length > 0) b = b.with(at % b.length, b[at % b.length] ^ (1 << o.bit));
        break;
      case "set":
        if (b.length > 0) b = b.with(at % b.length, o.value);
        break;
      case "insert":
        b = concat(b.subarray(0, at), o.bytes, b.subarray(at));
        break;
      case "delete":
        b = concat(b.subarray(0, at), b.subarray(at + o.n));
        break;
      case "duplicate":
        b = concat(b.subarray(0, at + o.n), b.subarray(at));
        break;
      case "truncate":
        b = b.subarray(0, at);
        break;
    }
  }
  return b;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(parts);
}

/** Seeds with 1–6 random byte-level mutations (flips, interesting bytes, splices, cuts). */
export function mutations(seeds: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.constantFrom(...seeds), fc.array(op, { minLength: 1, maxLength: 6 }))
    .map(([seed, ops]) => apply(seed, ops));
}

/** Bytes from the corpus, mutated corpus entries, or fresh random bytes. */
export function bytesFrom(seeds: readonly Uint8Array[], maxLength = 256): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom(...seeds) },
    { weight: 6, arbitrary: mutations(seeds) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength }) },
  );
}

/** As {@linkcode bytesFrom}, as text (invalid UTF-8 becomes U+FFFD, as a server would see it). */
export function textFrom(seeds: readonly Uint8Array[], maxLength = 256): fc.Arbitrary<string> {
  const decoder = new TextDecoder();
  return fc.oneof(
    { weight: 7, arbitrary: bytesFrom(seeds, maxLength).map((b) => decoder.decode(b)) },
    { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength }) },
  );
}

/** Throws unless `cond`, with `what` and the input that broke it. */
export function expect(cond: unknown, what: string, input?: unknown): asserts cond {
  if (!cond) {
    throw new Error(`${what}${input === undefined ? "" : ` (input ${show(input)})`}`);
  }
}

/** A short printable form of an input for failure messages. */
export function show(input: unknown): string {
  if (input instanceof Uint8Array) return `bytes[${input.length}] ${[...input.subarray(0, 64)]}`;
  try {
    return JSON.stringify(input, (_k, v) => typeof v === "bigint" ? `${v}n` : v)?.slice(0, 400) ??
      String(input);
  } catch {
    return String(input);
  }
}
