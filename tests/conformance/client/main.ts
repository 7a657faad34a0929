// The client under test for `connectconformance --mode client`: reads size-delimited
// ClientCompatRequest messages from stdin, runs each with an Atreus client (many at once: the
// suite's timeout cases mostly wait), and writes one size-delimited ClientCompatResponse per
// request to stdout. Runs unchanged on Deno, Node (--experimental-transform-types) and Bun.
//
//   connectconformance --mode client --conf <yaml> -- deno run -A tests/conformance/client/main.ts
import process from "node:process";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  ClientCompatRequestSchema,
  ClientCompatResponseSchema,
} from "../gen/connectrpc/conformance/v1/client_compat_pb.ts";
import { brotli, gzip } from "../../../transport/mod.ts";
import { ClientCache } from "./clients.ts";
import { readDelimited, writeDelimited } from "./delimited.ts";
import { runRequest } from "./run.ts";

/** Calls in flight at once (ATREUS_CONFORMANCE_PARALLEL overrides; 1 runs them in order). */
const MAX_IN_FLIGHT = Number(process.env.ATREUS_CONFORMANCE_PARALLEL ?? 32);
/** ATREUS_CONFORMANCE_TRACE=1 logs each case's start and end to stderr. */
const trace = process.env.ATREUS_CONFORMANCE_TRACE === "1";

/**
 * Loads what the first calls would otherwise load in the middle of timed cases (node:http2's
 * client, node:zlib, the codecs): a cancel the suite asks for 5 ms into a call must not wait
 * behind a module load that blocks the event loop for a tenth of a second.
 */
async function warmUp(): Promise<void> {
  await import("@connectrpc/connect-node");
  for (const codec of [gzip, brotli]) {
    await codec.decompress(await codec.compress(new Uint8Array(8)), 64);
  }
}

async function main(): Promise<void> {
  await warmUp();
  const clients = new ClientCache();
  const running = new Set<Promise<void>>();
  for await (const bytes of readDelimited(process.stdin)) {
    const req = fromBinary(ClientCompatRequestSchema, bytes);
    if (trace) console.error("start", req.testName);
    const task: Promise<void> = runRequest(clients, req)
      .then((res) => {
        if (trace) console.error("done", req.testName);
        return writeDelimited(process.stdout, toBinary(ClientCompatResponseSchema, res));
      })
      .finally(() => running.delete(task));
    running.add(task);
    while (running.size >= MAX_IN_FLIGHT) await Promise.race(running);
  }
  await Promise.all(running);
  await clients.close();
  process.exit(0);
}

if (import.meta.main) await main();
