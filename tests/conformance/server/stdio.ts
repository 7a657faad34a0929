// The runner's framing on stdin/stdout: a 4-byte big-endian length, then that many bytes of one
// protobuf message. node:process, so the same code runs on Deno, Bun and Node.
import process from "node:process";
import { concatBytes } from "../../../internal/bytes.ts";

/** Reads one size-delimited message from stdin. */
export async function readDelimited(): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Uint8Array>) {
    chunks.push(chunk);
    size += chunk.byteLength;
    if (size < 4) continue;
    const all = concatBytes(chunks, size);
    const length = new DataView(all.buffer, all.byteOffset, 4).getUint32(0);
    if (size >= 4 + length) return all.subarray(4, 4 + length);
  }
  throw new Error("stdin ended before a whole size-delimited message arrived");
}

/** Writes one size-delimited message to stdout. */
export function writeDelimited(message: Uint8Array): void {
  const out = new Uint8Array(4 + message.byteLength);
  new DataView(out.buffer).setUint32(0, message.byteLength);
  out.set(message, 4);
  process.stdout.write(out);
}
