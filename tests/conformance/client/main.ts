// The client under test for `connectconformance --mode client`: reads size-delimited
// ClientCompatRequest messages from stdin, runs each with an Atreus client (many at once: the
// suite's timeout cases mostly wait), and writes one size-delimited ClientCompatResponse per
// request to stdout. Runs unchanged on Deno, Node (--experimental-transform-types) and Bun.
//
//   connectconformance --mode client --conf <yaml> -- deno run -A tests/conformance/client/main.ts
import process from "node:process";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  type ClientCompatRequest,
  ClientCompatRequestSchema,
  type ClientCompatResponse,
  ClientCompatResponseSchema,
} from "../gen/connectrpc/conformance/v1/client_compat_pb.ts";
import { ClientCache } from "./clients.ts";
import { invoke } from "./invoke.ts";
import { readDelimited, writeDelimited } from "./delimited.ts";

/** Calls in flight at once (ATREUS_CONFORMANCE_PARALLEL overrides; 1 runs them in order). */
const MAX_IN_FLIGHT = Number(process.env.ATREUS_CONFORMANCE_PARALLEL ?? 64);
/** ATREUS_CONFORMANCE_TRACE=1 logs each case's start and end to stderr. */
const trace = process.env.ATREUS_CONFORMANCE_TRACE === "1";

/** Runs one request to its response message; setup problems are the runner's `error` result. */
export async function run(clients: ClientCache, req: ClientCompatRequest) {
  if (trace) console.error("start", req.testName);
  try {
    const result = await invoke(clients.get(req), req);
    if (trace) console.error("done", req.testName);
    return create(ClientCompatResponseSchema, {
      testName: req.testName,
      result: { case: "response", value: result.toProto() },
    });
  } catch (e) {
    return create(ClientCompatResponseSchema, {
      testName: req.testName,
      result: {
        case: "error",
        value: { message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) },
      },
    });
  }
}

async function main(): Promise<void> {
  if (trace) process.on("exit", (code) => console.error("exit", code));
  const clients = new ClientCache();
  const running = new Set<Promise<void>>();
  const out = (res: ClientCompatResponse) =>
    writeDelimited(process.stdout, toBinary(ClientCompatResponseSchema, res));
  for await (const bytes of readDelimited(process.stdin)) {
    const req = fromBinary(ClientCompatRequestSchema, bytes);
    const task: Promise<void> = run(clients, req).then(out).finally(() => running.delete(task));
    running.add(task);
    while (running.size >= MAX_IN_FLIGHT) await Promise.race(running);
  }
  await Promise.all(running);
  await clients.close();
  process.exit(0);
}

if (import.meta.main) await main();
