// Run by bad_input_test.ts on Deno, Node and Bun: createClient reads a server stream from a
// hostile server (HOSTILE, answering per path with broken streams) over Connect and gRPC-Web,
// and prints, per case, the typed error it got as one JSON line.
import process from "node:process";
import { ConnectError } from "@connectrpc/connect";
import { createClient } from "../../../transport/client/mod.ts";
import { Greeter } from "../../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";

/** The hostile answers, by name (the server picks the answer from the request's name). */
export const HOSTILE_CASES = [
  "end-not-json",
  "end-not-object",
  "cut-envelope",
  "oversized-envelope",
  "compressed-without-encoding",
  "not-protobuf",
  "trailer-garbage",
  "good",
] as const;

if (import.meta.main) {
  const base = process.env.HOSTILE!;
  const results: Record<string, string> = {};
  for (const protocol of ["connect", "grpc-web"] as const) {
    const client = createClient(Greeter, { endpoint: base, protocol, timeoutMs: 5_000 });
    for (const name of HOSTILE_CASES) {
      try {
        const got: string[] = [];
        for await (const r of client.sayHelloStream({ name })) got.push(r.message);
        results[`${protocol} ${name}`] = `ok ${got.join(",")}`;
      } catch (e) {
        const err = ConnectError.from(e);
        results[`${protocol} ${name}`] = `${err.code} ${err.rawMessage}`;
      }
    }
    await client.close();
  }
  console.log(JSON.stringify(results));
}
