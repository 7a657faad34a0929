// Joining byte chunks: bodies arrive in chunks and are needed whole.

/** The chunks as one array (the chunk itself when there is only one). */
export function concatBytes(chunks: readonly Uint8Array[], total?: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  let size = total ?? 0;
  if (total === undefined) { for (const c of chunks) size += c.byteLength; }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
