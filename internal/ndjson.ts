// A reader for newline-delimited JSON bodies (etcd's /v3/watch and lease keepalive streams,
// Kubernetes watches). Chunk boundaries do not follow line boundaries, so bytes are buffered
// until a newline arrives. A body that stays silent longer than `idleMs` is cancelled and
// reported as an `IdleTimeoutError`: a half-dead connection otherwise looks like a quiet one.

/** Thrown when a stream delivered nothing for longer than its idle limit. */
export class IdleTimeoutError extends Error {
  /** Creates the error for a limit of `idleMs`. */
  constructor(readonly idleMs: number) {
    super(`stream idle for more than ${idleMs} ms`);
    this.name = "IdleTimeoutError";
  }
}

/** Thrown when one line of the stream is not JSON. */
export class NdjsonParseError extends Error {
  /** Creates the error for the offending `line`. */
  constructor(readonly line: string, options?: ErrorOptions) {
    super(`invalid JSON line in stream: ${line.length > 200 ? line.slice(0, 200) + "…" : line}`, {
      ...options,
    });
    this.name = "NdjsonParseError";
  }
}

/** Options of `readNdjson`. */
export interface NdjsonOptions {
  /** Cancel and throw `IdleTimeoutError` after this many ms without a byte (default: never). */
  readonly idleMs?: number;
  /** Cancels the read; the loop then throws the signal's reason. */
  readonly signal?: AbortSignal;
}

/**
 * Yields one parsed JSON value per non-empty line of `body`; ends when the body ends. The body
 * is always released (cancelled when the consumer stops early or on error).
 */
export async function* readNdjson(
  body: ReadableStream<Uint8Array>,
  options: NdjsonOptions = {},
): AsyncGenerator<unknown, void, void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  try {
    for (;;) {
      const { done, value } = await readBounded(reader, options);
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      let newline;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line) yield parse(line);
      }
    }
    const rest = (buffered + decoder.decode()).trim();
    if (rest) yield parse(rest);
  } finally {
    // cancel() also releases the underlying connection when we stop before the end.
    await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

function parse(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch (error) {
    throw new NdjsonParseError(line, { cause: error });
  }
}

function readBounded(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  { idleMs, signal }: NdjsonOptions,
): Promise<ReadableStreamReadResult<Uint8Array>> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (idleMs === undefined && signal === undefined) return reader.read();
  return new Promise((resolve, reject) => {
    const finish = (fn: () => void) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      fn();
    };
    const onAbort = () => finish(() => reject(signal!.reason));
    const timer = idleMs === undefined
      ? undefined
      : setTimeout(() => finish(() => reject(new IdleTimeoutError(idleMs))), idleMs);
    signal?.addEventListener("abort", onAbort, { once: true });
    reader.read().then(
      (result) => finish(() => resolve(result)),
      (error) => finish(() => reject(error)),
    );
  });
}
