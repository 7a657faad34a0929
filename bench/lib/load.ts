// Load generators: wrk for HTTP/1.1 and h2load for HTTP/2 (Debian), and ghz for gRPC (a
// grpc-go client, built by tools/setup.sh). Each run reports requests per second and latency
// percentiles.
import { pin, ROOT } from "./runtime.ts";

/** One measurement. */
export interface Sample {
  /** Requests per second. */
  readonly rps: number;
  /** Median latency in ms. */
  readonly p50: number;
  /** 99th percentile latency in ms. */
  readonly p99: number;
  /** Non-2xx or failed requests. */
  readonly errors: number;
}

/** A request to replay. */
export interface RequestSpec {
  /** URL path. */
  readonly path: string;
  /** HTTP method. */
  readonly method: "GET" | "POST";
  /** Request headers. */
  readonly headers: Record<string, string>;
  /** Request body. */
  readonly body?: Uint8Array;
}

async function exec(args: string[]): Promise<string> {
  const prefix = await pin(0);
  const full = [...prefix, ...args];
  const out = await new Deno.Command(full[0], {
    args: full.slice(1),
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${args[0]} failed:\n${text}`);
  return text;
}

function luaString(bytes: Uint8Array): string {
  return `"${[...bytes].map((b) => `\\${b}`).join("")}"`;
}

/** Runs wrk (HTTP/1.1) for `seconds` with `connections`. */
export async function wrk(
  port: number,
  spec: RequestSpec,
  seconds: number,
  connections = 50,
): Promise<Sample> {
  const script = await Deno.makeTempFile({ prefix: "atreus-wrk-", suffix: ".lua" });
  const lines = [`wrk.method = "${spec.method}"`];
  for (const [k, v] of Object.entries(spec.headers)) lines.push(`wrk.headers["${k}"] = "${v}"`);
  if (spec.body) lines.push(`wrk.body = ${luaString(spec.body)}`);
  lines.push(
    "local bad = 0",
    "response = function(status) if status ~= 200 then bad = bad + 1 end end",
    'done = function(s, l, r) io.write("non2xx " .. bad .. "\\n") end',
  );
  await Deno.writeTextFile(script, lines.join("\n"));
  try {
    const text = await exec([
      "wrk",
      "-t1",
      `-c${connections}`,
      `-d${seconds}s`,
      "--latency",
      "-s",
      script,
      `http://127.0.0.1:${port}${spec.path}`,
    ]);
    const rps = Number(text.match(/Requests\/sec:\s+([\d.]+)/)?.[1] ?? NaN);
    const p50 = ms(text.match(/\n\s+50%\s+([\d.]+\w+)/)?.[1]);
    const p99 = ms(text.match(/\n\s+99%\s+([\d.]+\w+)/)?.[1]);
    const non2xx = Number(text.match(/non2xx (\d+)/)?.[1] ?? 0);
    const socketErrors = [...text.matchAll(/(connect|read|write|timeout) (\d+)/g)]
      .reduce((n, m) => n + Number(m[2]), 0);
    return { rps, p50, p99, errors: non2xx + socketErrors };
  } finally {
    await Deno.remove(script);
  }
}

function ms(text: string | undefined): number {
  if (!text) return NaN;
  const m = text.match(/([\d.]+)(us|ms|s)/);
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === "us" ? v / 1000 : m[2] === "s" ? v * 1000 : v;
}

/** Runs h2load (HTTP/2 prior knowledge) for `seconds`; latency percentiles from its log. */
export async function h2load(
  port: number,
  spec: RequestSpec,
  seconds: number,
  connections = 50,
  streams = 10,
): Promise<Sample> {
  const dir = await Deno.makeTempDir({ prefix: "atreus-h2load-" });
  try {
    const args = [
      "h2load",
      "-t1",
      `-c${connections}`,
      `-m${streams}`,
      `-D${seconds}`,
      `--log-file=${dir}/log`,
    ];
    if (spec.body) {
      await Deno.writeFile(`${dir}/body`, spec.body);
      args.push("-d", `${dir}/body`);
    }
    for (const [k, v] of Object.entries(spec.headers)) args.push("-H", `${k}: ${v}`);
    args.push(`http://127.0.0.1:${port}${spec.path}`);
    const text = await exec(args);
    const rps = Number(text.match(/finished in [\d.]+\w+, ([\d.]+) req\/s/)?.[1] ?? NaN);
    const failed = Number(text.match(/(\d+) failed/)?.[1] ?? 0);
    const errored = Number(text.match(/(\d+) errored/)?.[1] ?? 0);
    // Log lines: start time (µs), status, request duration (µs).
    const durations = (await Deno.readTextFile(`${dir}/log`)).trim().split("\n")
      .map((l) => Number(l.split("\t")[2]) / 1000).filter((v) => Number.isFinite(v))
      .sort((a, b) => a - b);
    const pct = (p: number) =>
      durations[Math.min(durations.length - 1, Math.floor(durations.length * p))];
    return { rps, p50: pct(0.5), p99: pct(0.99), errors: failed + errored };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** ghz, built from the Go module proxy by tools/setup.sh. */
export const GHZ: string = `${ROOT}tools/go/bin/ghz`;

/** A gRPC call for ghz: the method and its request in protojson. */
export interface GrpcCall {
  /** `package.Service/Method`. */
  readonly call: string;
  /** The request as JSON. */
  readonly json: string;
}

let protoset: Promise<string> | undefined;

// ghz needs the schema; the benchmark servers do not all serve reflection, so buf builds a
// descriptor set of helloworld once.
function helloworldProtoset(): Promise<string> {
  return protoset ??= (async () => {
    const file = await Deno.makeTempFile({ prefix: "atreus-ghz-", suffix: ".binpb" });
    const out = await new Deno.Command(`${ROOT}tools/node_modules/.bin/buf`, {
      args: ["build", "-o", file, "--path", "api/helloworld/v1/greeter.proto"],
      cwd: `${ROOT}examples/helloworld`,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) throw new Error(`buf build failed:\n${new TextDecoder().decode(out.stderr)}`);
    return file;
  })();
}

/**
 * Runs ghz for `seconds` over `connections` connections with `connections × streams` calls in
 * flight (as h2load -c -m); calls still running when the time is up are not counted.
 */
export async function ghz(
  port: number,
  call: GrpcCall,
  seconds: number,
  connections = 50,
  streams = 10,
): Promise<Sample> {
  const text = await exec([
    GHZ,
    "--insecure",
    "--protoset",
    await helloworldProtoset(),
    "--call",
    call.call,
    "-d",
    call.json,
    `--connections=${connections}`,
    `--concurrency=${connections * streams}`,
    `--duration=${seconds}s`,
    "--duration-stop=ignore",
    "--format=json",
    `127.0.0.1:${port}`,
  ]);
  const report = JSON.parse(text.slice(text.indexOf("{"), text.lastIndexOf("}") + 1));
  const latency = (p: number) =>
    (report.latencyDistribution ?? []).find((d: { percentage: number }) => d.percentage === p)
      ?.latency / 1e6;
  const ok = report.statusCodeDistribution?.OK ?? 0;
  return { rps: report.rps, p50: latency(50), p99: latency(99), errors: report.count - ok };
}

/** The root of the repository, for scripts that need data files. */
export const root: string = ROOT;
