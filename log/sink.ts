// Where lines go. Standard streams are reached through whichever runtime is present: Deno's
// streams, Node's and Bun's process streams, or the console on Workers and browsers.

/** Where a writer sends lines: a standard stream, a function, or nowhere. */
export type Sink = "stdout" | "stderr" | "discard" | ((line: string) => void | Promise<void>);

/** Writes a batch of lines, resolving once the destination has taken them. */
export type BatchWriter = (lines: readonly string[]) => void | Promise<void>;

interface DenoStream {
  write(bytes: Uint8Array): Promise<number>;
}

interface NodeStream {
  write(chunk: string, callback: (err?: Error | null) => void): boolean;
}

/** The batch writer for a sink. */
export function batchWriter(sink: Sink): BatchWriter {
  if (typeof sink === "function") return (lines) => writeEach(sink, lines);
  if (sink === "discard") return () => {};
  if (sink !== "stdout" && sink !== "stderr") {
    throw new TypeError(`log: unknown sink ${JSON.stringify(sink)}`);
  }
  const g = globalThis as unknown as {
    Deno?: Record<string, DenoStream | undefined>;
    process?: Record<string, NodeStream | undefined>;
  };
  const deno = g.Deno?.[sink];
  if (deno !== undefined && typeof deno.write === "function") {
    const chunk = new ChunkWriter(deno);
    return (lines) => chunk.write(lines);
  }
  const node = g.process?.[sink];
  if (node !== undefined && typeof node.write === "function") {
    return (lines) =>
      new Promise<void>((resolve, reject) =>
        node.write(lines.join("\n") + "\n", (err) => err ? reject(err) : resolve())
      );
  }
  const print = sink === "stdout" ? console.log : console.error;
  return (lines) => {
    for (const line of lines) print(line);
  };
}

// Awaits only what a sink returns: a synchronous sink then costs no promise per line.
function writeEach(
  fn: (line: string) => void | Promise<void>,
  lines: readonly string[],
): void | Promise<void> {
  for (let i = 0; i < lines.length; i++) {
    const pending = fn(lines[i]);
    if (typeof (pending as Promise<void> | undefined)?.then === "function") {
      return Promise.resolve(pending).then(() => writeEach(fn, lines.slice(i + 1)));
    }
  }
}

// Deno's write may take only part of the bytes.
async function writeAll(stream: DenoStream, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await stream.write(bytes.subarray(offset));
}

// A batch is joined and encoded straight into a reused buffer (encodeInto: no fresh byte array
// per batch), then written; a batch larger than the buffer goes out in buffer-sized writes, so
// the buffer stays bounded. It is reused only after the write of it settled (the line buffer
// never starts a second write before the first one has).
class ChunkWriter {
  static readonly initial = 64 * 1024;
  static readonly max = 1024 * 1024;
  #buffer = new Uint8Array(ChunkWriter.initial);
  readonly #encoder = new TextEncoder();

  constructor(private readonly stream: DenoStream) {}

  async write(lines: readonly string[]): Promise<void> {
    const text = lines.join("\n") + "\n";
    if (text.length > this.#buffer.length && this.#buffer.length < ChunkWriter.max) {
      let size = this.#buffer.length;
      while (size < text.length && size < ChunkWriter.max) size *= 2;
      this.#buffer = new Uint8Array(size);
    }
    const buffer = this.#buffer;
    for (let offset = 0; offset < text.length;) {
      const { read, written } = this.#encoder.encodeInto(
        offset === 0 ? text : text.slice(offset),
        buffer,
      );
      offset += read;
      await writeAll(this.stream, buffer.subarray(0, written));
    }
  }
}
