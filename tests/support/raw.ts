// Raw TCP clients for abuse tests: write what a misbehaving client writes, then wait (bounded)
// for the server to close the connection, collecting what it answered.

/** What a raw connection saw before it ended. */
export interface Ending {
  /** Whether the server closed (or reset) the connection within the bound. */
  readonly closed: boolean;
  /** What the server sent, decoded as latin1. */
  readonly text: string;
}

/** Opens a TCP connection to the host and port of `url`. */
export function connect(url: string): Promise<Deno.TcpConn> {
  const { hostname, port } = new URL(url);
  return Deno.connect({ hostname, port: Number(port) });
}

/**
 * Reads until the server closes the connection or `boundMs` passes; meanwhile writes
 * `trickle()` every `everyMs` (a slow client), if given. Closes the connection either way.
 */
export async function untilClosed(
  conn: Deno.Conn,
  boundMs: number,
  trickle?: { bytes: () => Uint8Array; everyMs: number },
): Promise<Ending> {
  const timer = trickle &&
    setInterval(() => void conn.write(trickle.bytes()).catch(() => {}), trickle.everyMs);
  let text = "";
  let boundHit = false;
  const bound = setTimeout(() => {
    boundHit = true;
    try {
      conn.close();
    } catch {
      // already closed
    }
  }, boundMs);
  const buf = new Uint8Array(16 * 1024);
  try {
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += new TextDecoder("latin1").decode(buf.subarray(0, n));
    }
  } catch {
    // A reset (the server closing hard), or our own close at the bound.
  } finally {
    clearTimeout(bound);
    clearInterval(timer);
    try {
      conn.close();
    } catch {
      // already closed
    }
  }
  return { closed: !boundHit, text };
}

/** Writes `text` (latin1) to `conn`. */
export async function send(conn: Deno.Conn, text: string | Uint8Array): Promise<void> {
  const bytes = typeof text === "string" ? Uint8Array.from(text, (ch) => ch.charCodeAt(0)) : text;
  let off = 0;
  while (off < bytes.length) off += await conn.write(bytes.subarray(off));
}
