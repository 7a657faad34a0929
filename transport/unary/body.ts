// Reading a request body at once, bounded: Content-Length is checked before reading, and a body
// without one is read chunk by chunk and cut off at the limit.
import { Code, ConnectError } from "@connectrpc/connect";
import { concatBytes } from "../../internal/bytes.ts";

/** Builds the error for a body over the limit, from the first bytes read and the size known. */
export type OverflowError = (head: Uint8Array, size: number | undefined) => ConnectError;

/** Connect unary's wording: the whole body is the message. */
export const messageOverflow: (limit: number) => OverflowError = (limit) => (_head, size) =>
  new ConnectError(
    size === undefined
      ? `message size is larger than configured readMaxBytes ${limit}`
      : `message size ${size} is larger than configured readMaxBytes ${limit}`,
    Code.ResourceExhausted,
  );

/** Enveloped protocols: report the first envelope's declared size, as Connect-ES does. */
export const envelopeOverflow: (readMaxBytes: number) => OverflowError =
  (readMaxBytes) => (head) => {
    if (head.byteLength >= 5) {
      const length = new DataView(head.buffer, head.byteOffset, 5).getUint32(1);
      if (length > readMaxBytes) {
        return new ConnectError(
          `message size ${length} is larger than configured readMaxBytes ${readMaxBytes}`,
          Code.ResourceExhausted,
        );
      }
    }
    return new ConnectError(
      "protocol error: received extra input message for unary method",
      Code.Unimplemented,
    );
  };

/** The whole body, at most `limit` bytes; beyond it, `overflow` names the problem. */
export async function readBody(
  request: Request,
  limit: number,
  overflow: OverflowError,
): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  let size: number | undefined;
  if (declared !== null) {
    const n = Number(declared);
    if (Number.isSafeInteger(n) && n >= 0) {
      if (n <= limit) return new Uint8Array(await request.arrayBuffer());
      size = n;
    }
  }
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.byteLength;
    if (total > limit || size !== undefined && total >= 5) {
      await reader.cancel().catch(() => {});
      throw overflow(concatBytes(chunks, total), size);
    }
  }
  return concatBytes(chunks, total);
}
