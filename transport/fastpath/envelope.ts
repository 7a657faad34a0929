// One enveloped message (gRPC, gRPC-Web): the same checks and error messages as Connect-ES's
// envelope pipeline, on a body read at once.
import { Code, ConnectError } from "@connectrpc/connect";
import { compressedFlag as COMPRESSED } from "@connectrpc/connect/protocol";
import type { CompressionCodec } from "../compression.ts";

/**
 * The single request message of a unary call, decompressed. `skipFlag` marks envelopes to skip
 * (gRPC-Web trailers), as Connect-ES does. A promise only when decompressing: an async
 * function would cost every call a promise and a turn. Throws synchronously on bad input.
 */
export function readSingleEnvelope(
  body: Uint8Array,
  readMaxBytes: number,
  compression: CompressionCodec | null,
  skipFlag: number,
): Uint8Array | Promise<Uint8Array> {
  let offset = 0;
  let found: Uint8Array | undefined;
  let foundFlags = 0;
  while (offset < body.byteLength) {
    if (body.byteLength - offset < 5) throw incomplete();
    // Read by hand: a DataView per call is a measurable allocation on this path.
    const flags = body[offset];
    const length = ((body[offset + 1] << 24) | (body[offset + 2] << 16) | (body[offset + 3] << 8) |
      body[offset + 4]) >>> 0;
    if (length > readMaxBytes) {
      throw new ConnectError(
        `message size ${length} is larger than configured readMaxBytes ${readMaxBytes}`,
        Code.ResourceExhausted,
      );
    }
    if (body.byteLength - offset - 5 < length) throw incomplete();
    const data = body.subarray(offset + 5, offset + 5 + length);
    offset += 5 + length;
    if (skipFlag !== 0 && (flags & skipFlag) === skipFlag) continue;
    if (found !== undefined) {
      throw new ConnectError(
        "protocol error: received extra input message for unary method",
        Code.Unimplemented,
      );
    }
    found = data;
    foundFlags = flags;
  }
  if (found === undefined) {
    throw new ConnectError(
      "protocol error: missing input message for unary method",
      Code.Unimplemented,
    );
  }
  if ((foundFlags & COMPRESSED) === COMPRESSED) {
    if (compression === null) {
      throw new ConnectError(
        "received compressed envelope, but do not know how to decompress",
        Code.Internal,
      );
    }
    return compression.decompress(found, readMaxBytes);
  }
  return found;
}

function incomplete(): ConnectError {
  return new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
}

/**
 * Envelopes `data`, compressing it when a codec is negotiated and it is big enough (a promise
 * only then).
 */
export function envelope(
  data: Uint8Array,
  flags: number,
  compression: CompressionCodec | null,
  compressMinBytes: number,
): Uint8Array | Promise<Uint8Array> {
  if (compression !== null && data.byteLength >= compressMinBytes) {
    return compression.compress(data).then((payload) =>
      envelopeWith(payload, flags | COMPRESSED, undefined)
    );
  }
  return envelopeWith(data, flags, undefined);
}

/** `data` in one envelope, followed by `tail` (already enveloped) in the same buffer. */
export function envelopeWith(
  data: Uint8Array,
  flags: number,
  tail: Uint8Array | undefined,
): Uint8Array {
  const n = data.byteLength;
  const out = new Uint8Array(5 + n + (tail?.byteLength ?? 0));
  out[0] = flags;
  out[1] = n >>> 24;
  out[2] = (n >>> 16) & 0xff;
  out[3] = (n >>> 8) & 0xff;
  out[4] = n & 0xff;
  out.set(data, 5);
  if (tail !== undefined) out.set(tail, 5 + n);
  return out;
}
