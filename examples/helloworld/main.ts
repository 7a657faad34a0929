// helloworld entry for Deno, Bun and Node 22+:
//   deno run -A main.ts | bun main.ts | node --experimental-transform-types main.ts
// Configuration comes from configs/ (or --conf), overridden by HELLOWORLD__* environment
// variables; --http/--grpc flags override the addresses (--grpc "" disables gRPC). The log
// level follows configs/ live: edit `log.level` and the running service picks it up. Metrics
// are served at /metrics on the HTTP port; traces go where OTEL_EXPORTER_OTLP_ENDPOINT says.
import { parseArgs } from "node:util";
import { programArgs, programEnv } from "../../mod.ts";
import { newHelloworld } from "./internal/app/app.ts";

// programArgs/programEnv rather than node:process, a module that is slow to load on Deno.
const env = programEnv();
const { values: flags } = parseArgs({
  args: programArgs(),
  options: {
    conf: { type: "string" },
    http: { type: "string", default: env.HTTP_ADDR },
    grpc: { type: "string", default: env.GRPC_ADDR },
    "stop-timeout": { type: "string", default: env.STOP_TIMEOUT_MS ?? "30000" },
  },
});

const app = await newHelloworld({
  conf: flags.conf,
  http: flags.http,
  grpc: flags.grpc,
  stopTimeoutMs: Number(flags["stop-timeout"]),
});
await app.run();
