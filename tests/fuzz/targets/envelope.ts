// Envelope reader of the unary fast path (gRPC, gRPC-Web) against Connect-ES's envelope decoder
// as the oracle: the same message or the same error, never anything but a ConnectError, and
// never more than readMaxBytes out (after decompression too).
import fc from "fast-check";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  createAsyncIterable,
  type EnvelopedMessage,
  transformSplitEnvelope,
} from "@connectrpc/connect/protocol";
import { readSingleEnvelope } from "../../../transport/fastpath/envelope.ts";
import { gzip } from "../../../transport/mod.ts";
import { bytesFrom, expect, type FuzzTarget, show } from "../target.ts";

interface Input {
  readonly body: Uint8Array;
  readonly readMaxBytes: number;
  readonly gzip: boolean;
  readonly skipFlag: number;
}

const TYPED = new Set([
  Code.InvalidArgument,
  Code.ResourceExhausted,
  Code.Unimplemented,
  Code.Internal,
]);

const KNOWN = [
  /^protocol error: incomplete envelope$/,
  /^message size \d+ is larger than configured readMaxBytes \d+$/,
  /^protocol error: received extra input message for unary method$/,
  /^protocol error: missing input message for unary method$/,
  /^received compressed envelope, but do not know how to decompress$/,
  /^invalid gzip data$/,
  /^message size is bigger than \d+ bytes after decompression$/,
];

type Outcome = { data: Uint8Array; flags: number } | { code: Code; message: string };

// Connect-ES's streaming envelope splitter (what its server runs on a request stream), fed
// the body in one chunk.
async function oracle(input: Input): Promise<Outcome> {
  const envelopes: EnvelopedMessage[] = [];
  try {
    for await (
      const env of transformSplitEnvelope(input.readMaxBytes)(createAsyncIterable([input.body]))
    ) envelopes.push(env);
  } catch (e) {
    const err = ConnectError.from(e);
    return { code: err.code, message: err.rawMessage };
  }
  // Connect-ES forgets an envelope whose 5-byte header arrived but whose data did not (its
  // decoder has consumed the header, so its buffer looks empty at the end); we report it.
  const consumed = envelopes.reduce((n, e) => n + 5 + e.data.byteLength, 0);
  if (consumed < input.body.byteLength) {
    return { code: Code.InvalidArgument, message: "protocol error: incomplete envelope" };
  }
  const kept = envelopes.filter((e) =>
    input.skipFlag === 0 || (e.flags & input.skipFlag) !== input.skipFlag
  );
  if (kept.length > 1) {
    return {
      code: Code.Unimplemented,
      message: "protocol error: received extra input message for unary method",
    };
  }
  if (kept.length === 0) {
    return {
      code: Code.Unimplemented,
      message: "protocol error: missing input message for unary method",
    };
  }
  return kept[0];
}

async function ours(input: Input): Promise<Outcome & { compressed?: boolean }> {
  try {
    const out = readSingleEnvelope(
      input.body,
      input.readMaxBytes,
      input.gzip ? gzip : null,
      input.skipFlag,
    );
    if (out instanceof Uint8Array) return { data: out, flags: 0 };
    return { data: await out, flags: 0, compressed: true };
  } catch (e) {
    expect(e instanceof ConnectError, `threw a ${(e as Error)?.constructor?.name}: ${e}`);
    expect(TYPED.has(e.code), `unexpected code ${Code[e.code]}: ${e.rawMessage}`);
    expect(e.rawMessage.length > 0, "an error without a message");
    return { code: e.code, message: e.rawMessage, compressed: /compress/.test(e.rawMessage) };
  }
}

export const target: FuzzTarget<Input> = {
  name: "envelope",
  async: true,
  arbitrary: (seeds) =>
    fc.record({
      body: bytesFrom(seeds),
      readMaxBytes: fc.oneof(fc.integer({ min: 0, max: 64 }), fc.constant(1 << 20)),
      gzip: fc.boolean(),
      skipFlag: fc.constantFrom(0, 0x80),
    }),
  examples: (seeds) =>
    seeds.flatMap((body) => [
      { body, readMaxBytes: 1 << 20, gzip: true, skipFlag: 0x80 },
      { body, readMaxBytes: 8, gzip: false, skipFlag: 0 },
    ]),
  async check(input) {
    const got = await ours(input);
    if ("data" in got) {
      expect(got.data.byteLength <= input.readMaxBytes, "more than readMaxBytes out", show(input));
    }
    const want = await oracle(input);
    if ("code" in want) {
      expect("code" in got, `accepted what Connect-ES rejects (${want.message})`, show(input));
      // Connect-ES splits every envelope before judging; we stop at the first problem (an
      // extra message before a later oversized one), so the message may name another flaw.
      expect(
        KNOWN.some((re) => re.test(got.message)),
        `unknown error "${got.message}"`,
        show(input),
      );
      return;
    }
    const compressed = (want.flags & 0x01) === 0x01;
    if (compressed) {
      // The message bytes are gzip (or garbage): decompressed within the limit or rejected.
      if (!input.gzip) {
        expect(
          "code" in got && got.code === Code.Internal,
          "compressed flag accepted without a codec",
          show(input),
        );
      } else if ("code" in got) {
        expect(
          got.code === Code.InvalidArgument || got.code === Code.ResourceExhausted,
          `bad gzip answered ${Code[got.code]}: ${got.message}`,
          show(input),
        );
      }
      return;
    }
    expect(
      "data" in got,
      `rejected what Connect-ES accepts: ${"message" in got ? got.message : ""}`,
      show(input),
    );
    expect(
      got.data.length === want.data.length && got.data.every((b, i) => b === want.data[i]),
      "a different message than Connect-ES",
      show(input),
    );
  },
};
