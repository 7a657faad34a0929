// The command-line options of the micro benches (`--calls N`, `--base DIR`, `--helloworld`), read
// the same way on Deno, Bun and Node, so a typo in a number fails at start instead of running a
// bench of NaN calls.
import process from "node:process";

/** The value after `name` on the command line, or undefined when `name` is absent. */
export function textOption(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  if (at < 0) return undefined;
  const value = process.argv[at + 1];
  if (value === undefined || value.startsWith("--")) {
    throw new TypeError(`${name} needs a value`);
  }
  return value;
}

/** The positive number after `name` on the command line, or `fallback` when `name` is absent. */
export function numberOption(name: string, fallback: number): number {
  const text = textOption(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    throw new TypeError(`${name} must be a positive number, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** Whether the flag `name` is on the command line. */
export function flagOption(name: string): boolean {
  return process.argv.includes(name);
}
