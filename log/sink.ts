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
    const encoder = new TextEncoder();
    return (lines) => writeAll(deno, encoder.encode(lines.join("\n") + "\n"));
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
