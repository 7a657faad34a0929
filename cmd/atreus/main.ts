// The atreus command: `deno run -A cmd/atreus/main.ts <command>` (or `deno task atreus`).
import { main } from "./cli.ts";

Deno.exit(await main(Deno.args));
