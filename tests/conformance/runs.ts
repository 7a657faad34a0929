/**
 * The shape of one conformance run: which implementation the Go runner (`connectconformance`)
 * drives, in which role, on which runtime, and with which feature config.
 * @module
 */

/** A runtime the suite runs on. */
export type SuiteRuntime = "deno" | "bun" | "node" | "workerd";

/** One invocation of `connectconformance` against one implementation under test. */
export interface SuiteRun {
  /** The runtime the implementation under test runs on. */
  runtime: SuiteRuntime;
  /** `server`: the runner's client calls our server; `client`: our client calls its server. */
  role: "server" | "client";
  /** What is under test on that runtime, e.g. `http fast path` or `grpc connect-es`. */
  path: string;
  /** The runner's YAML config naming the features this implementation supports. */
  config: string;
  /** Argv of the process under test; the runner starts it and talks to it over stdin/stdout. */
  command: string[];
  /** A known-failing file (one pattern per line, each with its reason), if any remain. */
  knownFailing?: string;
  /** Part of the subset CI runs. */
  ci: boolean;
}
