// Deno defects a test may meet and must name rather than hide.

/**
 * Deno's node:http2 can abort the process inside nghttp2 while a GOAWAY closes a session's
 * streams (denoland/deno#36788, open on Deno 2.9.6): no JavaScript runs first, so no server on
 * it can catch it. A test that survives it matches this in the dead process's output, on
 * Deno's gRPC listener only, and says so in its own output (README "Reliability").
 */
export const DENO_NGHTTP2_ABORT: RegExp =
  /nghttp2_session\.c:\d+: .*find_stream_on_goaway_func.*Assertion/;
