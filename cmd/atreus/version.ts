// Kept in step with deno.json's version (a test compares them), so `atreus version` needs no
// file access and works the same from a checkout and from JSR.

/** Version of the atreus CLI, equal to the @atreus/atreus package version. */
export const version = "0.1.0";
