// One error type for everything the CLI reports to the user: its message is printed as is
// (no stack), and its exit code tells a usage mistake from a failed operation.

/** Exit code of a wrong invocation (bad flag, missing argument, unknown command). */
export const USAGE = 2;

/** Exit code of an operation that failed. */
export const FAILURE = 1;

/** A failure the CLI explains to the user in `message`. */
export class CliError extends Error {
  /** The process exit code to report. */
  readonly exitCode: number;

  /** `exitCode` defaults to FAILURE. */
  constructor(message: string, exitCode: number = FAILURE) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}
