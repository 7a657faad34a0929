/**
 * Conformance runs with Atreus's servers under test: on Deno, Bun and Node, the HTTP server
 * and the gRPC server, each on the unary fast path and on Connect-ES's handler
 * (`fastPath: false`); on workerd, the HTTP server through the worker entry.
 * @module
 */
import type { SuiteRun } from "../runs.ts";
import type { PlannedRun } from "../suite.ts";
import { BUN, NODE, NODE_COMPILE_CACHE, root } from "../../support/tools.ts";

const dir = `${root}tests/conformance/server/`;

/** The worker bundle the workerd runs serve; `prepareServerRuns` builds it. */
export const WORKER_BUNDLE: string = `${root}dist/conformance-worker.js`;

// Deno's node:http2 (nghttp2 inside Deno) corrupts its stream bookkeeping under load: sessions
// end with a GOAWAY the client did nothing to earn, and a client's own GOAWAY can abort the
// process on nghttp2's `stream->closed_next == NULL` assertion (denoland/deno#36788).
const denoHttp2 = {
  signature: /server sent GOAWAY|Server's graceful shutdown GOAWAY/,
  reason: "Deno node:http2 sends spurious GOAWAYs under load (denoland/deno#36788)",
};

// The CI subset: every suite, protocol, HTTP version and stream type, in two of the twelve
// codec × compression × TLS combinations (binary/identity/plain and JSON/gzip/TLS), plus the
// suites whose names carry fewer axes (one codec or compression only), message limits in one
// compression (each of those cases takes the runner about half a second) and client
// certificates.
const CI_SELECT = [
  "**/Codec:CODEC_PROTO/Compression:COMPRESSION_IDENTITY/TLS:false/**",
  "**/Codec:CODEC_JSON/Compression:COMPRESSION_GZIP/TLS:true/**",
  "*/*/TLS:false/**",
  "*/*/*/TLS:false/**",
  "Server Message Size/*/*/Compression:COMPRESSION_GZIP/TLS:false/**",
  "TLS Client Certs/**",
];
// On Connect-ES's handler only unary calls take another path than on the fast path.
const CI_SELECT_CONNECT_ES = ["**/Codec:CODEC_PROTO/Compression:COMPRESSION_IDENTITY/TLS:false/**"];

// Timeouts: the runner's client and our server both end the call at the same 200 ms deadline.
// When load delays the server's DeadlineExceeded reply until the client is already cancelling,
// the client reports the right code but its wire check finds the error body it stopped reading
// cut short. Only that message in that suite, on either unary path.
const deadlineRace = {
  signature: /^Timeouts\/.*\/unary\n.*unexpected end of JSON input/,
  reason: "a Connect unary error read as the client's own deadline cancels it (timing under load)",
};

// Both of two known problems.
function either(
  a: NonNullable<PlannedRun["flaky"]>,
  b: NonNullable<PlannedRun["flaky"]>,
): NonNullable<PlannedRun["flaky"]> {
  return {
    signature: new RegExp(`${a.signature.source}|${b.signature.source}`),
    reason: `${a.reason}; or ${b.reason}`,
  };
}

function entry(runtime: "deno" | "bun" | "node"): string[] {
  const main = `${dir}main.ts`;
  switch (runtime) {
    case "deno":
      return [Deno.execPath(), "run", "-A", "--frozen", main];
    case "bun":
      return [BUN, main];
    case "node":
      return [NODE, "--experimental-transform-types", "--no-warnings", main];
  }
}

function localRuns(runtime: "deno" | "bun" | "node"): PlannedRun[] {
  const runs: PlannedRun[] = [];
  for (const server of ["http", "grpc"] as const) {
    for (const fast of [true, false]) {
      runs.push({
        runtime,
        role: "server",
        path: `${server} ${fast ? "fast path" : "connect-es"}`,
        config: `${dir}configs/${runtime}-${server}.yaml`,
        command: [...entry(runtime), "--server", server, "--fast-path", String(fast)],
        ci: true,
        ciSelect: fast ? CI_SELECT : CI_SELECT_CONNECT_ES,
        // The HTTP server on Deno is Deno.serve (hyper), except under client certificates.
        flaky: runtime === "deno" ? either(denoHttp2, deadlineRace) : deadlineRace,
      });
    }
  }
  return runs;
}

/** Every server run this machine can make. */
export const serverRuns: PlannedRun[] = [
  ...localRuns("deno"),
  ...localRuns("bun"),
  ...localRuns("node"),
  ...[true, false].map((fast): PlannedRun => ({
    runtime: "workerd",
    role: "server",
    path: `http ${fast ? "fast path" : "connect-es"}`,
    config: `${dir}configs/workerd-http.yaml`,
    command: [
      Deno.execPath(),
      "run",
      "-A",
      "--frozen",
      `${dir}workerd.ts`,
      "--bundle",
      WORKER_BUNDLE,
      "--fast-path",
      String(fast),
    ],
    ci: true,
    ciSelect: fast ? CI_SELECT : CI_SELECT_CONNECT_ES,
    flaky: deadlineRace,
  })),
];

/**
 * Builds what the server runs need before the runner starts them: Node's compile cache (one
 * start with nothing on stdin loads every module, then exits) and the worker bundle.
 */
export async function prepareServerRuns(runs: readonly SuiteRun[]): Promise<void> {
  if (runs.some((r) => r.role === "server" && r.runtime === "node")) {
    const [command, ...args] = entry("node");
    await new Deno.Command(command, {
      args,
      env: { NODE_COMPILE_CACHE },
      stdin: "null",
      stdout: "null",
      stderr: "null",
      signal: AbortSignal.timeout(60_000),
    }).output();
  }
  if (!runs.some((r) => r.role === "server" && r.runtime === "workerd")) return;
  const { bundleWorker } = await import("../../support/workerd.ts");
  await bundleWorker(`${dir}worker.ts`, WORKER_BUNDLE);
}
