// Newline-delimited JSON over a byte stream (the etcd gateway's watch framing), with an idle
// timeout because an idle watch sends nothing and some runtimes kill idle bodies.

/** Why a stream read ended without a message. */
export type StreamEnd = "end" | "idle";

/** Reads one JSON object per line from a body. */
export class NdjsonReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #buffer = "";

  /** Wraps a response body. */
  constructor(body: ReadableStream<Uint8Array>) {
    this.#reader = body.getReader();
  }

  /** The next message, `"end"` when the stream ended, or `"idle"` after `idleMs` of silence. */
  async next(idleMs: number): Promise<unknown | StreamEnd> {
    for (;;) {
      const nl = this.#buffer.indexOf("\n");
      if (nl >= 0) {
        const line = this.#buffer.slice(0, nl).trim();
        this.#buffer = this.#buffer.slice(nl + 1);
        if (line !== "") return JSON.parse(line);
        continue;
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const idle = new Promise<"idle">((resolve) =>
        timer = setTimeout(() => resolve("idle"), idleMs)
      );
      try {
        const chunk = await Promise.race([this.#reader.read(), idle]);
        if (chunk === "idle") return "idle";
        if (chunk.done) {
          const rest = this.#buffer.trim();
          this.#buffer = "";
          return rest === "" ? "end" : JSON.parse(rest);
        }
        this.#buffer += this.#decoder.decode(chunk.value, { stream: true });
      } finally {
        clearTimeout(timer);
      }
    }
  }

  /** Cancels the body (ignores a body that already failed). */
  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }
}
