/**
 * Conformance runs with Atreus's client under test: on Deno, Node 24 and Bun, Connect and
 * gRPC-Web (fetch, or node:http(s)/node:http2 where that runtime's fetch cannot do what a case
 * asks) and native gRPC (node:http2); inside a worker on workerd, Connect and gRPC-Web over
 * the worker's fetch.
 * @module
 */
import type { PlannedRun } from "../suite.ts";
import { BUN, NODE, root } from "../../support/tools.ts";

const dir = `${root}tests/conformance/client/`;

// The CI subset: every suite, protocol, HTTP version and stream type, in three of the
// codec × compression × TLS combinations (binary/identity/plain, JSON/gzip/TLS, binary/br/TLS),
// the suites whose names carry fewer axes, and client certificates.
const CI_SELECT = [
  "**/Codec:CODEC_PROTO/Compression:COMPRESSION_IDENTITY/TLS:false/**",
  "**/Codec:CODEC_JSON/Compression:COMPRESSION_GZIP/TLS:true/**",
  "**/Codec:CODEC_PROTO/Compression:COMPRESSION_BR/TLS:true/**",
  "*/*/TLS:false/**",
  "*/*/*/TLS:false/**",
  "TLS Client Certs/**",
];

const main = `${dir}main.ts`;
const commands = {
  deno: [Deno.execPath(), "run", "-A", "--frozen", main],
  node: [NODE, "--experimental-transform-types", "--no-warnings", main],
  bun: [BUN, main],
} as const;

// Timing under load: a case that cancels 5 ms into a call the server answers after 200 ms, or
// that checks the deadline the server saw to within 500 ms, fails when the machine starves the
// client of CPU for longer than that (seen with a load average of 8 on 2 cores, on every
// runtime): the call then ends with no error, or with the cancel's error after a message that
// should never have come (only a cancel case expects no message at all). Such a case is run once
// more and must pass then.
const timing =
  /expecting an error but received none|server echoed back a timeout|expecting 0 response messages but instead got/;

// Deno's node:http2 (nghttp2 inside Deno) aborts the process when a GOAWAY reaches an idle
// session that served streams (denoland/deno#36788), which the runner's servers send as each
// server configuration ends: the client closes its gRPC client after each call on Deno
// (clients.ts), so none is left for it. Under heavy load it also leaves streams waiting for
// frames that never come; those cases end with "no outcome"/"timed out".
const denoHttp2 = /timed out waiting for result from client|no outcome ever received/;

const flakyTiming = {
  signature: timing,
  reason: "a timed case starved of CPU by the machine's load",
};
const flakyDenoHttp2 = {
  signature: new RegExp(`${timing.source}|${denoHttp2.source}`),
  reason: "Deno node:http2 stalls under load, or a timed case starved of CPU",
};

function local(runtime: "deno" | "node" | "bun"): PlannedRun[] {
  return [
    {
      runtime,
      role: "client",
      path: "connect, grpc-web",
      config: `${dir}configs/${runtime}-fetch.yaml`,
      command: [...commands[runtime]],
      ci: true,
      ciSelect: CI_SELECT,
      flaky: flakyTiming,
    },
    {
      runtime,
      role: "client",
      path: "grpc",
      config: `${dir}configs/${runtime}-grpc.yaml`,
      command: [...commands[runtime]],
      ci: true,
      ciSelect: CI_SELECT,
      flaky: runtime === "deno" ? flakyDenoHttp2 : flakyTiming,
    },
  ];
}

/** The client-role runs, one per runtime and protocol family. */
export const clientRuns: PlannedRun[] = [
  ...local("deno"),
  ...local("node"),
  ...local("bun"),
  {
    runtime: "workerd",
    role: "client",
    path: "connect, grpc-web",
    config: `${dir}configs/workerd-fetch.yaml`,
    command: [Deno.execPath(), "run", "-A", "--frozen", `${dir}workerd.ts`],
    ci: true,
    ciSelect: CI_SELECT,
    flaky: flakyTiming,
  },
];
