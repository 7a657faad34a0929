// The suite's stdin/stdout framing: each message preceded by its length, 4 bytes big-endian.

/** The messages of a size-delimited byte stream; a stream cut inside a message is an error. */
export async function* readDelimited(
  input: AsyncIterable<Uint8Array | string>,
): AsyncGenerator<Uint8Array> {
  let buf = new Uint8Array(0);
  for await (const chunk of input) {
    if (typeof chunk === "string") throw new Error("stdin must be binary, got text");
    const next = new Uint8Array(buf.byteLength + chunk.byteLength);
    next.set(buf);
    next.set(chunk, buf.byteLength);
    buf = next;
    for (;;) {
      if (buf.byteLength < 4) break;
      const size = new DataView(buf.buffer, buf.byteOffset, 4).getUint32(0);
      if (buf.byteLength < 4 + size) break;
      yield buf.slice(4, 4 + size);
      buf = buf.slice(4 + size);
    }
  }
  if (buf.byteLength > 0) throw new Error(`stdin ended inside a message (${buf.byteLength} bytes)`);
}

/** Something with Node's `write(chunk, callback)`: process.stdout on every runtime. */
export interface ByteSink {
  /** Writes `chunk`; `callback` runs once it is flushed (or failed). */
  write(chunk: Uint8Array, callback: (error?: Error | null) => void): unknown;
}

/** Writes one size-delimited message; resolves once the sink took it. */
export function writeDelimited(sink: ByteSink, message: Uint8Array): Promise<void> {
  const frame = new Uint8Array(4 + message.byteLength);
  new DataView(frame.buffer).setUint32(0, message.byteLength);
  frame.set(message, 4);
  return new Promise((resolve, reject) => sink.write(frame, (e) => (e ? reject(e) : resolve())));
}
