// Moving metadata in and out of HTTP headers. Fetch `Headers` joins repeated header lines with
// ", ", so values are split on that separator on the way in; values must not contain ", ".

const SEPARATOR = ", ";

/** Values of one header, split into the individual values sent. */
export function headerValues(headers: Headers, key: string): string[] {
  const raw = headers.get(key);
  if (raw === null) return [];
  return raw.split(SEPARATOR);
}

/** Appends every value as its own header line (HTTP/2 and gRPC keep them apart). */
export function appendHeaderValues(headers: Headers, key: string, values: readonly string[]) {
  const present = new Set(headerValues(headers, key));
  for (const v of values) {
    if (!present.has(v)) {
      headers.append(key, v);
      present.add(v);
    }
  }
}
