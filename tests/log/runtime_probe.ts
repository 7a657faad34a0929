// Run by runtimes_test.ts on Deno, Bun and Node: exercises log/ and errors/ with runtime-neutral
// APIs only and prints what it saw, one line per check, for the test to compare.
import * as log from "../../log/mod.ts";
import { fromError, fromJson, notFound, toConnectError, toJson } from "../../errors/mod.ts";
import { newValues, runWithValues } from "../../internal/context.ts";
import { traceContextKey } from "../../internal/trace.ts";
import type { ConnectError } from "@connectrpc/connect";
import { findTrailerError, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";

const lines: string[] = [];
const writer = log.createLogger({ format: "json", sink: (l) => void lines.push(l) });
const logger = log.filter(
  log.with(writer, "caller", log.caller(), "trace.id", log.traceId()),
  { keys: ["password"], level: "info" },
);
const h = new log.Helper(logger);
const values = newValues().set(traceContextKey, { traceId: "t1", spanId: "s1" });
runWithValues(values, () => h.infow("in request", "password", "x"));
h.debug("dropped");
h.warnf("%s=%d", "n", 7);
await writer.flush();

const err = notFound("USER_NOT_FOUND", "user 42").withMetadata({ id: "42" });
const trailer = setTrailerStatus(new Headers(), toConnectError(err) as ConnectError);
const back = fromError(findTrailerError(trailer));
const body = fromJson(JSON.stringify(toJson(err)));

const out = [
  ...lines,
  JSON.stringify({ code: back.code, reason: back.reason, metadata: back.metadata }),
  JSON.stringify(body),
];
// Stdout through the runtime's own stream, as the default sink writes it.
const stdout = log.createLogger({ sink: "stdout" });
for (const line of out) stdout.log("info", "probe", line);
await stdout.flush();
