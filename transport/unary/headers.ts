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
export function encodedInit(status: number, headers: Headers): ResponseInit {
  return { status, headers, encodeBody: "manual" } as ResponseInit;
}
