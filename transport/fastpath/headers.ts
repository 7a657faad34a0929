// Response trailers that remember whether anything was written: a Connect unary response only
// pays for muxing trailers into headers when a handler actually set one.

/** `Headers` that record writes in `written`. */
export class TrackedHeaders extends Headers {
  /** Whether set/append/delete was called. */
  written = false;

  /** Sets a header and marks the object written. */
  override set(name: string, value: string): void {
    this.written = true;
    super.set(name, value);
  }

  /** Appends a header and marks the object written. */
  override append(name: string, value: string): void {
    this.written = true;
    super.append(name, value);
  }

  /** Deletes a header and marks the object written. */
  override delete(name: string): void {
    this.written = true;
    super.delete(name);
  }
}

/** Whether trailers may hold entries (untracked Headers are assumed to). */
export function maybeWritten(trailer: Headers): boolean {
  return !(trailer instanceof TrackedHeaders) || trailer.written;
}

/**
 * The init of a response whose body is already compressed (its `content-encoding` set):
 * Workers otherwise compress the body again as that header names, unless told it is "manual".
 * Other runtimes ignore the field.
 */
export function encodedInit(status: number, headers: HeadersInit): ResponseInit {
  return { status, headers, encodeBody: "manual" } as ResponseInit;
}

/** Headers every answer of a call carries (CORS), as one shared plain object per origin. */
export type ExtraHeaders = Readonly<Record<string, string>>;

const heads = new WeakMap<object, WeakMap<ExtraHeaders, Readonly<Record<string, string>>>>();

/**
 * The init headers of an untouched reply: `base` (its content type) plus `extra`, as one plain
 * object built once per pair, so the runtime's fast path for plain-object headers still applies.
 */
export function headWith(
  base: Readonly<Record<string, string>>,
  extra: ExtraHeaders | undefined,
): Readonly<Record<string, string>> {
  if (extra === undefined) return base;
  let byExtra = heads.get(base);
  if (byExtra === undefined) heads.set(base, byExtra = new WeakMap());
  let head = byExtra.get(extra);
  if (head === undefined) byExtra.set(extra, head = Object.freeze({ ...base, ...extra }));
  return head;
}

/** Adds `extra` to `headers`: `vary` is appended to what is there, the rest replaced. */
export function addHeaders(headers: Headers, extra: ExtraHeaders | undefined): void {
  if (extra === undefined) return;
  for (const key in extra) {
    if (key === "vary") headers.append(key, extra[key]);
    else headers.set(key, extra[key]);
  }
}
