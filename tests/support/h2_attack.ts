// An HTTP/2 attacker speaking raw frames over node:net, for the abuse tests: it writes what no
// well-behaved client library would (resets, floods, endless header blocks) and records what the
// server answered (GOAWAY, RST_STREAM, the connection closing).
import { Buffer } from "node:buffer";
import * as net from "node:net";

/** Frame types (RFC 9113 §6). */
export const FRAME = {
  DATA: 0,
  HEADERS: 1,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  WINDOW_UPDATE: 8,
  CONTINUATION: 9,
} as const;
/** Frame flags. */
export const FLAG = { END_STREAM: 1, ACK: 1, END_HEADERS: 4 } as const;
/** Error codes. */
export const ERR = { NO_ERROR: 0, PROTOCOL_ERROR: 1, REFUSED_STREAM: 7, CANCEL: 8, CALM: 11 };

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/** One frame. */
export function frame(type: number, flags: number, stream: number, payload: Uint8Array): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(stream & 0x7fffffff, 5);
  return Buffer.concat([head, payload]);
}

// HPACK integer with an n-bit prefix (RFC 7541 §5.1).
function integer(value: number, prefixBits: number, first: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [first | value];
  const out = [first | max];
  value -= max;
  while (value >= 128) {
    out.push((value % 128) + 128);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return out;
}

function str(s: string): Buffer {
  const bytes = Buffer.from(s, "latin1");
  return Buffer.concat([Buffer.from(integer(bytes.length, 7, 0)), bytes]);
}

/** HPACK: every header a literal without indexing, new name (no dynamic table state). */
export function hpack(headers: [string, string][]): Buffer {
  return Buffer.concat(headers.flatMap(([name, value]) => [Buffer.of(0), str(name), str(value)]));
}

/** The headers of a gRPC unary call to `path`. */
export function grpcHeaders(path: string, extra: [string, string][] = []): Buffer {
  return hpack([
    [":method", "POST"],
    [":scheme", "http"],
    [":path", path],
    [":authority", "127.0.0.1"],
    ["content-type", "application/grpc"],
    ["te", "trailers"],
    ...extra,
  ]);
}

/** What the server did to the attacking connection. */
export interface Outcome {
  /** GOAWAY error code, if the server sent one. */
  readonly goaway?: number;
  /** RST_STREAM frames received, by error code. */
  readonly resets: Record<number, number>;
  /** Responses (HEADERS frames) received. */
  readonly responses: number;
  /**
   * Of those, how many say `:status: 200` as servers encode it (HPACK static index 8, one
   * byte 0x88); a 200 sent as a literal would count as another status.
   */
  readonly ok: number;
  /** Whether the server closed the connection. */
  readonly closed: boolean;
  /** Bytes the attacker managed to write. */
  readonly written: number;
}

/** An attacking connection. */
export class Attacker {
  readonly #socket: net.Socket;
  #buf = Buffer.alloc(0);
  #goaway: number | undefined;
  readonly #resets: Record<number, number> = {};
  #responses = 0;
  #ok = 0;
  #closed = false;
  #settled!: () => void;
  /** Resolves once the server's SETTINGS were received and acknowledged. */
  readonly settled: Promise<void> = new Promise((resolve) => (this.#settled = resolve));
  #written = 0;
  readonly #ended: Promise<void>;
  #waiters: (() => void)[] = [];

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.on("data", (chunk: Buffer) => this.#parse(chunk));
    socket.on("error", () => {});
    this.#ended = new Promise((resolve) =>
      socket.once("close", () => {
        this.#closed = true;
        this.#wake();
        resolve();
      })
    );
  }

  /** Connects, sends the preface and an empty SETTINGS frame. */
  static open(port: number): Promise<Attacker> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        const a = new Attacker(socket);
        a.write(Buffer.concat([PREFACE, frame(FRAME.SETTINGS, 0, 0, new Uint8Array(0))]));
        resolve(a);
      });
    });
  }

  #parse(chunk: Buffer) {
    this.#buf = Buffer.concat([this.#buf, chunk]);
    while (this.#buf.length >= 9) {
      const length = this.#buf.readUIntBE(0, 3);
      if (this.#buf.length < 9 + length) return;
      const type = this.#buf[3];
      const flags = this.#buf[4];
      const payload = this.#buf.subarray(9, 9 + length);
      if (type === FRAME.GOAWAY && length >= 8) this.#goaway = payload.readUInt32BE(4);
      if (type === FRAME.RST_STREAM && length >= 4) {
        const code = payload.readUInt32BE(0);
        this.#resets[code] = (this.#resets[code] ?? 0) + 1;
      }
      if (type === FRAME.HEADERS) {
        this.#responses++;
        if (payload[0] === 0x88) this.#ok++;
      }
      // ACK the server's SETTINGS, as a client must, unless the test floods on purpose.
      if (type === FRAME.SETTINGS && !(flags & FLAG.ACK) && !this.#socket.isPaused()) {
        void this.write(frame(FRAME.SETTINGS, FLAG.ACK, 0, new Uint8Array(0)));
        this.#settled();
      }
      this.#buf = this.#buf.subarray(9 + length);
    }
    this.#wake();
  }

  #wake() {
    for (const w of [...this.#waiters]) w();
  }

  /**
   * Resolves once `done(outcome)` holds, the server closed the connection, or `ms` passed;
   * reports what the server did.
   */
  until(done: (o: Outcome) => boolean, ms: number): Promise<Outcome> {
    return new Promise((resolve) => {
      const check = () => {
        const o = this.snapshot();
        if (!o.closed && !done(o)) return;
        finish();
      };
      const finish = () => {
        clearTimeout(timer);
        this.#waiters = this.#waiters.filter((w) => w !== check);
        resolve(this.snapshot());
      };
      const timer = setTimeout(finish, ms);
      this.#waiters.push(check);
      check();
    });
  }

  /** Writes bytes; resolves once the socket took them (or closed). */
  write(bytes: Uint8Array): Promise<void> {
    if (this.#closed || this.#socket.destroyed) return Promise.resolve();
    this.#written += bytes.length;
    return new Promise((resolve) => {
      if (this.#socket.write(bytes)) resolve();
      else {
        const done = () => {
          this.#socket.off("drain", done);
          this.#socket.off("close", done);
          resolve();
        };
        this.#socket.once("drain", done);
        this.#socket.once("close", done);
      }
    });
  }

  /**
   * Writes `frames(i)` for i = 0… until `count` frames were written, the server closed the
   * connection, or `boundMs` passed. Batches writes so a flood is fast.
   */
  async flood(count: number, boundMs: number, frames: (i: number) => Uint8Array): Promise<void> {
    const deadline = Date.now() + boundMs;
    const batch: Uint8Array[] = [];
    for (let i = 0; i < count && !this.#closed; i++) {
      batch.push(frames(i));
      if (batch.length === 256 || i === count - 1) {
        await this.write(Buffer.concat(batch));
        batch.length = 0;
        if (Date.now() > deadline) break;
      }
    }
  }

  /** Stops reading (a client that never reads its ACKs). */
  pause(): void {
    this.#socket.pause();
  }

  /** Waits until the server closed the connection or `ms` passed; reports what it saw. */
  outcome(ms: number): Promise<Outcome> {
    return this.until(() => false, ms);
  }

  /** What the server did so far. */
  snapshot(): Outcome {
    return {
      goaway: this.#goaway,
      resets: { ...this.#resets },
      responses: this.#responses,
      ok: this.#ok,
      closed: this.#closed,
      written: this.#written,
    };
  }

  /** Closes the connection. */
  close(): Promise<void> {
    this.#socket.destroy();
    return this.#ended;
  }
}
