// Writes a Connect-ES universal response to a node:http2 compat response. Connect-node's own
// writer waits for an "end" event Deno's node:http2 never emits; this one settles on
// "finish" or "close", which every runtime emits.
import type * as http2 from "node:http2";
import type { UniversalServerResponse } from "@connectrpc/connect/protocol";

/** Writes status, headers, body and trailers; resolves once the stream finished or closed. */
export async function writeUniversalResponse(
  response: UniversalServerResponse,
  res: http2.Http2ServerResponse,
): Promise<void> {
  const it = response.body?.[Symbol.asyncIterator]();
  let failed = false;
  try {
    // Read the first chunk before committing headers: handlers may still add headers.
    let chunk = it ? await it.next() : { done: true as const, value: undefined };
    if (res.destroyed) return;
    res.writeHead(response.status, nodeHeaders(response.header));
    while (chunk.done !== true) {
      await write(res, chunk.value);
      chunk = await it!.next();
    }
    if (response.trailer) res.addTrailers(nodeHeaders(response.trailer));
    await new Promise<void>((resolve) => {
      res.once("finish", resolve);
      res.once("close", resolve);
      res.end();
    });
  } catch (error) {
    failed = true;
    await it?.throw?.(error).catch(() => {});
    throw error;
  } finally {
    if (!failed) await it?.return?.().catch(() => {});
  }
}

function write(res: http2.Http2ServerResponse, chunk: Uint8Array): Promise<void> {
  if (res.destroyed) return Promise.reject(new Error("stream closed by the client"));
  // Settle on the write callback (data handed to the session) or on close, whichever first.
  return new Promise((resolve, reject) => {
    const onClose = () => reject(new Error("stream closed by the client"));
    res.once("close", onClose);
    res.write(chunk, (error?: Error | null) => {
      res.off("close", onClose);
      if (error) reject(error);
      else resolve();
    });
  });
}

function nodeHeaders(headers: Headers | undefined): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (!headers) return out;
  headers.forEach((value, key) => {
    out[key] = value;
  });
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) out["set-cookie"] = cookies;
  return out;
}
