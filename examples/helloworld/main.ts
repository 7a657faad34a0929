// helloworld entry for Deno, Bun and Node 22+:
//   deno run -A main.ts | bun main.ts | node --experimental-transform-types main.ts
// Configuration comes from configs/ (or --conf), overridden by HELLOWORLD__* environment
// variables; --http/--grpc flags override the addresses (--grpc "" disables gRPC). The log
// level follows configs/ live: edit `log.level` and the running service picks it up.
import process from "node:process";
import { parseArgs } from "node:util";
import { newHelloworld } from "./internal/app/app.ts";

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: {
    conf: { type: "string" },
    http: { type: "string", default: process.env.HTTP_ADDR },
    grpc: { type: "string", default: process.env.GRPC_ADDR },
    "stop-timeout": { type: "string", default: process.env.STOP_TIMEOUT_MS ?? "30000" },
  },
});

const app = await newHelloworld({
  conf: flags.conf,
  http: flags.http,
  grpc: flags.grpc,
  stopTimeoutMs: Number(flags["stop-timeout"]),
});
await app.run();
