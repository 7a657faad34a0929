// Runs the test suite one file per `deno test` process, after one type check of every file.
//
// Why not one `deno test tests/`: Deno's `node:http2` can abort the whole process from native code
// (nghttp2's `find_stream_on_goaway_func` assertion, named in the README). In one process that
// voids every result of the run, including the files that had already passed. Here an abort costs
// one file: a file whose process dies by SIGABRT is run once more in a fresh process, and a second
// abort counts as a failure. Any other exit is taken as it is.
//
// `deno run -A tools/test.ts [path ...] [-- deno test flags]`; paths are files or folders (default
// `tests/`). The last line repeats Deno's summary shape (`ok | N passed (M steps) | N failed |
// N ignored (time)`), which `.ci/run` reads.
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { NODE_COMPILE_CACHE } from "../tests/support/tools.ts";

const testFile = /(^|[._])test\.(ts|tsx|mts|js|mjs|jsx)$/;
const skipDirs = new Set(["node_modules", "fixtures", "gen", ".git"]);

/** A file's counts, read from the summary line its `deno test` printed. */
interface Counts {
  passed: number;
  failed: number;
  ignored: number;
  steps: number;
}

/** What one `deno test` process of one file ended with. */
interface Outcome {
  counts: Counts | undefined;
  code: number;
  signal: string | null;
  tail: string;
}

function* walk(path: string): Generator<string> {
  if (statSync(path).isFile()) {
    yield path;
    return;
  }
  for (const name of readdirSync(path).sort()) {
    const child = join(path, name);
    if (statSync(child).isDirectory()) {
      if (!skipDirs.has(name)) yield* walk(child);
    } else if (testFile.test(name)) {
      yield child;
    }
  }
}

// Deno prints counts such as "ok | 5 passed (122 steps) | 0 failed | 2 ignored (3s)".
function countsOf(output: string): Counts | undefined {
  const line = output.split("\n").reverse().find((l) => /^(ok|FAILED) \| \d+ passed/.test(l));
  if (line === undefined) return undefined;
  const num = (re: RegExp) => Number(re.exec(line)?.[1] ?? 0);
  return {
    passed: num(/(\d+) passed/),
    failed: num(/(\d+) failed/),
    ignored: num(/(\d+) ignored/),
    steps: num(/passed \((\d+) steps?\)/),
  };
}

async function pump(
  stream: ReadableStream<Uint8Array>,
  out: { write(p: Uint8Array): Promise<number> },
): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of stream) {
    text += decoder.decode(chunk, { stream: true });
    await out.write(chunk);
  }
  return text + decoder.decode();
}

async function runFile(file: string, flags: string[]): Promise<Outcome> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", "--frozen", "--no-check", ...flags, file],
    stdout: "piped",
    stderr: "piped",
    // Plain text, so the summary line can be read without colour codes; and one compile cache
    // for the Node processes tests start, so Node strips each module's types once per machine.
    env: { NO_COLOR: "1", NODE_COMPILE_CACHE },
  }).spawn();
  const [out, err] = await Promise.all([
    pump(child.stdout, Deno.stdout),
    pump(child.stderr, Deno.stderr),
  ]);
  const status = await child.status;
  return {
    counts: countsOf(out),
    code: status.code,
    signal: status.signal,
    tail: (err || out).trimEnd().split("\n").slice(-5).join("\n"),
  };
}

function elapsed(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`;
}

async function main(args: string[]): Promise<number> {
  const dash = args.indexOf("--");
  const paths = dash < 0 ? args : args.slice(0, dash);
  const flags = dash < 0 ? [] : args.slice(dash + 1);
  const files = [
    ...new Set(
      (paths.length ? paths : ["tests/"]).flatMap((p) => [...walk(p)]),
    ),
  ];
  if (files.length === 0) {
    console.error("tools/test: no test files under", paths.join(" "));
    return 1;
  }
  const started = Date.now();
  // One type check of the whole set, as one `deno test` would do, so each file can skip it.
  const check = await new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", "--frozen", "--no-run", ...files],
  }).output();
  if (!check.success) {
    console.error("tools/test: type check failed");
    return 1;
  }
  const total: Counts = { passed: 0, failed: 0, ignored: 0, steps: 0 };
  const failedFiles: string[] = [];
  const aborted: string[] = [];
  for (const file of files) {
    let outcome = await runFile(file, flags);
    if (outcome.counts === undefined && outcome.signal === "SIGABRT") {
      aborted.push(relative(".", file));
      console.error(
        `tools/test: ${file} was aborted (SIGABRT) before its summary; running it once more\n` +
          outcome.tail,
      );
      outcome = await runFile(file, flags);
    }
    const counts = outcome.counts;
    if (counts === undefined || (outcome.code !== 0 && counts.failed === 0)) {
      // A process that ended without Deno's summary, or failed without a failed test (a leak
      // report, an uncaught error at load), counts as one failure so it cannot pass unseen.
      total.failed += 1;
      if (counts) {
        total.passed += counts.passed;
        total.ignored += counts.ignored;
        total.steps += counts.steps;
      }
      failedFiles.push(
        `${file} (exit ${outcome.code}${outcome.signal ? `, ${outcome.signal}` : ""})`,
      );
      continue;
    }
    total.passed += counts.passed;
    total.failed += counts.failed;
    total.ignored += counts.ignored;
    total.steps += counts.steps;
    if (counts.failed > 0) failedFiles.push(file);
  }
  console.log(`\ntools/test: ${files.length} files, each in its own process`);
  if (aborted.length) {
    console.log(
      `tools/test: aborted once by the runtime and re-run: ${aborted.join(", ")}`,
    );
  }
  if (failedFiles.length) {
    console.log(`tools/test: failed: ${failedFiles.join(", ")}`);
  }
  const verdict = total.failed === 0 ? "ok" : "FAILED";
  console.log(
    `${verdict} | ${total.passed} passed (${total.steps} steps) | ${total.failed} failed | ` +
      `${total.ignored} ignored (${elapsed(Date.now() - started)})`,
  );
  return total.failed === 0 ? 0 : 1;
}

Deno.exit(await main(Deno.args));
