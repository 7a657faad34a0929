// Connect-ES's universal HTTP client contract on top of fetch, for Connect and gRPC-Web on every
// runtime. connect-web's transports buffer nothing but also stream nothing: they refuse client
// and bidi streams outright ("The fetch API does not support streaming request bodies"). Here a
// request whose messages may still be coming streams its body (`duplex: "half"`, which Deno,
// Node, Bun and workerd accept), so client streams and half-duplex bidi work over HTTP/1.1 and
// full-duplex bidi works wherever fetch speaks HTTP/2; a request with one message (unary, server
// streams) is sent as one buffer, with a Content-Length, as browsers and proxies prefer.
import type { UniversalClientFn, UniversalClientRequest } from "@connectrpc/connect/protocol";
import { concatBytes } from "../../internal/bytes.ts";

/** A universal client over `fetch`; `streamBody` streams the request body instead of buffering it. */
export function fetchHttpClient(
  fetch: typeof globalThis.fetch,
  streamBody: boolean,
): UniversalClientFn {
  return async (req) => {
    const init: RequestInit & { duplex?: "half" } = {
      method: req.method,
      headers: req.header,
      signal: req.signal,
      // Connect-ES's transports never follow redirects; guardFetch turns one into an error.
      redirect: "error",
    };
    if (req.body !== undefined) {
      if (streamBody) {
        init.body = bodyStream(req);
        init.duplex = "half";
      } else {
        init.body = await collect(req.body) as Uint8Array<ArrayBuffer>;
      }
    }
    const unary = isConnectUnary(req);
    if (unary) {
      // Connect unary compresses with HTTP's own Content-Encoding, which fetch decodes by
      // itself — and which codings it decodes differs (Deno leaves deflate and zstd alone,
      // Node and Bun decode them). Asking only for the codings every fetch decodes makes
      // every compressed reply one fetch has already decoded.
      const accepted = (req.header.get("accept-encoding") ?? "").split(",")
        .map((c) => c.trim().toLowerCase()).filter((c) => fetchDecodes.includes(c));
      const header = new Headers(req.header);
      header.set("accept-encoding", accepted.length > 0 ? accepted.join(", ") : "identity");
      init.headers = header;
    }
    const res = await fetch(req.url, init);
    return {
      status: res.status,
      header: unary ? decodedHeaders(res.headers) : res.headers,
      body: responseBody(res.body),
      trailer: new Headers(),
    };
  };
}

/** Content codings every runtime's fetch decodes transparently. */
const fetchDecodes = ["gzip", "br"];

function isConnectUnary(req: UniversalClientRequest): boolean {
  if (req.method === "GET") return true;
  const type = req.header.get("content-type") ?? "";
  return type.startsWith("application/") && !type.startsWith("application/connect+") &&
    !type.startsWith("application/grpc");
}

/**
 * The headers of a body fetch decoded, as if it had been sent plain: Connect-ES would
 * otherwise decompress it again and hold it to the compressed Content-Length.
 */
function decodedHeaders(headers: Headers): Headers {
  const coding = headers.get("content-encoding")?.trim().toLowerCase();
  if (coding === undefined || !fetchDecodes.includes(coding)) return headers;
  const out = new Headers(headers);
  out.delete("content-encoding");
  out.delete("content-length");
  return out;
}

async function collect(body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return concatBytes(chunks);
}

function bodyStream(req: UniversalClientRequest): ReadableStream<Uint8Array<ArrayBuffer>> {
  const it = req.body![Symbol.asyncIterator]();
  return new ReadableStream({
    async pull(controller) {
      const r = await it.next();
      if (r.done === true) controller.close();
      else controller.enqueue(r.value as Uint8Array<ArrayBuffer>);
    },
    async cancel(reason) {
      // The request side is done (the call ended or was aborted): stop producing messages.
      await it.return?.(reason);
    },
  });
}

function responseBody(body: ReadableStream<Uint8Array> | null): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]() {
      const reader = body?.getReader();
      const end = async (reason?: unknown) => {
        await reader?.cancel(reason).catch(() => {});
        return { done: true as const, value: undefined };
      };
      return {
        async next() {
          if (reader === undefined) return { done: true, value: undefined };
          const r = await reader.read();
          return r.done ? { done: true, value: undefined } : { done: false, value: r.value };
        },
        return: () => end(),
        throw: (e?: unknown) => end(e),
      };
    },
  };
}
