// gzip and deflate on the Web Compression Streams API, so compression works on every runtime
// (Connect-ES ships node:zlib codecs only). Decompression enforces the read limit while
// inflating, so a small compressed bomb cannot exhaust memory.
import { Code, ConnectError } from "@connectrpc/connect";
import { concatBytes } from "../internal/bytes.ts";

/** A message compression codec (Connect-ES's `Compression` shape). */
export interface CompressionCodec {
  /** Name on the wire, e.g. `gzip`. */
  readonly name: string;
  /** Compresses a message. */
  compress(bytes: Uint8Array): Promise<Uint8Array<ArrayBuffer>>;
  /** Decompresses a message, failing with ResourceExhausted past `readMaxBytes`. */
  decompress(bytes: Uint8Array, readMaxBytes: number): Promise<Uint8Array<ArrayBuffer>>;
}

function codec(name: "gzip" | "deflate"): CompressionCodec {
  return {
    name,
    compress: (bytes) => collect(streamOf(bytes).pipeThrough(new CompressionStream(name)), -1),
    async decompress(bytes, readMaxBytes) {
      if (bytes.byteLength === 0) return new Uint8Array(0);
      try {
        return await collect(
          streamOf(bytes).pipeThrough(new DecompressionStream(name)),
          readMaxBytes,
        );
      } catch (e) {
        if (e instanceof ConnectError) throw e;
        throw new ConnectError(
          `invalid ${name} data`,
          Code.InvalidArgument,
          undefined,
          undefined,
          e,
        );
      }
    },
  };
}

function streamOf(bytes: Uint8Array): ReadableStream<BufferSource> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes as Uint8Array<ArrayBuffer>);
      controller.close();
    },
  });
}

async function collect(
  stream: ReadableStream<Uint8Array>,
  limit: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (limit >= 0 && total > limit) {
      await reader.cancel();
      throw new ConnectError(
        `message size is bigger than ${limit} bytes after decompression`,
        Code.ResourceExhausted,
      );
    }
    chunks.push(value);
  }
  return concatBytes(chunks, total) as Uint8Array<ArrayBuffer>;
}

/** gzip on `CompressionStream`. */
export const gzip: CompressionCodec = codec("gzip");

/** deflate (zlib) on `CompressionStream`. */
export const deflate: CompressionCodec = codec("deflate");

type Zlib = typeof import("node:zlib");
let zlib: Promise<Zlib> | undefined;

function loadZlib(): Promise<Zlib> {
  zlib ??= import("node:zlib").catch((error) => {
    zlib = undefined;
    throw new ConnectError(
      "br compression needs node:zlib (Node, Deno, Bun, Workers with nodejs_compat)",
      Code.Unimplemented,
      undefined,
      undefined,
      error,
    );
  });
  return zlib;
}

/**
 * Brotli (`br`) on node:zlib, loaded on first use (Node, Deno, Bun; Workers with
 * `nodejs_compat`). Connect-ES clients ask for it by default.
 */
export const brotli: CompressionCodec = {
  name: "br",
  async compress(bytes) {
    const z = await loadZlib();
    return await new Promise((resolve, reject) =>
      z.brotliCompress(bytes, (e, out) => e ? reject(e) : resolve(new Uint8Array(out)))
    );
  },
  async decompress(bytes, readMaxBytes) {
    if (bytes.byteLength === 0) return new Uint8Array(0);
    const z = await loadZlib();
    // maxOutputLength stops inflating at the limit, so a small bomb never grows in memory
    // (limits past what a Buffer can hold are no limit at all).
    const options = readMaxBytes >= 0 && readMaxBytes < 2 ** 31 - 1
      ? { maxOutputLength: Math.max(1, readMaxBytes) }
      : {};
    return await new Promise((resolve, reject) =>
      z.brotliDecompress(bytes, options, (e, out) => {
        if (e === null) return resolve(new Uint8Array(out));
        // Node, Deno and Bun say ERR_BUFFER_TOO_LARGE; workerd throws a bare RangeError
        // ("Memory limit exceeded"), and a plain Error for bad data.
        if ((e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE" || e instanceof RangeError) {
          return reject(
            new ConnectError(
              `message size is bigger than ${readMaxBytes} bytes after decompression`,
              Code.ResourceExhausted,
            ),
          );
        }
        reject(new ConnectError("invalid br data", Code.InvalidArgument, undefined, undefined, e));
      })
    );
  },
};
