// Prints what programArgs() and programEnv() see, as JSON, for tests/app/program_test.ts.
import { programArgs, programEnv } from "../../mod.ts";

const env = programEnv();
console.log(JSON.stringify({
  args: programArgs(),
  set: env.ATREUS_PROGRAM_PROBE ?? null,
  unset: env.ATREUS_PROGRAM_PROBE_UNSET ?? null,
  // Enumerated as process.env is: a spread and `in` see the variable.
  spread: { ...env }.ATREUS_PROGRAM_PROBE ?? null,
  has: "ATREUS_PROGRAM_PROBE" in env && !("ATREUS_PROGRAM_PROBE_UNSET" in env),
  // On Deno the module must not have been loaded as a side effect of reading them.
  deno: typeof (globalThis as { Deno?: unknown }).Deno === "object",
}));
