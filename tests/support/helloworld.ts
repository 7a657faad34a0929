// Starts examples/helloworld on a runtime as a child process, on free loopback ports.
import { Child } from "./process.ts";
import { BUN, NODE, root } from "./tools.ts";

/** A runtime the example runs on. */
export type Runtime = "deno" | "bun" | "node";

/** The command line that runs a TypeScript entry point on `runtime`. */
export function runtimeCommand(runtime: Runtime, entry: string): [string, string[]] {
  switch (runtime) {
    case "deno":
      return [Deno.execPath(), ["run", "-A", entry]];
    case "bun":
      return [BUN, [entry]];
    case "node":
      return [NODE, ["--experimental-transform-types", "--no-warnings", entry]];
  }
}

/** A running helloworld. */
export interface Helloworld {
  readonly child: Child;
  /** `http://127.0.0.1:port` (Connect, gRPC-Web). */
  readonly http: string;
  /** `http://127.0.0.1:port` of the gRPC server. */
  readonly grpc: string;
  /** `127.0.0.1:port` of the gRPC server. */
  readonly grpcAddress: string;
}

/** Starts helloworld and waits (bounded) for its "serving" line. */
export async function startHelloworld(
  runtime: Runtime,
  extraArgs: string[] = [],
  env: Record<string, string> = {},
): Promise<Helloworld> {
  const [cmd, args] = runtimeCommand(runtime, `${root}examples/helloworld/main.ts`);
  const child = new Child(`helloworld/${runtime}`, cmd, [
    ...args,
    "--http",
    "127.0.0.1:0",
    "--grpc",
    "127.0.0.1:0",
    ...extraArgs,
  ], { cwd: root, env });
  const m = await child.waitFor(/helloworld serving (http:\/\/\S+) grpc:\/\/(\S+)/, 30_000);
  return { child, http: m[1], grpc: `http://${m[2]}`, grpcAddress: m[2] };
}
