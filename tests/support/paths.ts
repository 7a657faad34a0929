// File-URL helpers that work without @std/path (JSR is unreachable here).

/** Converts a `file:` URL to a path; directories keep their trailing slash. */
export function fromFileUrl(url: URL): string {
  return decodeURIComponent(url.pathname);
}
