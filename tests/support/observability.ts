// Real observability backends for tests, on loopback ports of their own: Prometheus (Debian's
// `prometheus`, scraping given targets every second) and Jaeger v2 (built from the Go module
// proxy by tools/setup.sh; OTLP/HTTP in, memory storage, query API out). Missing binaries fail
// the test that wanted them, naming the fix.
import { Child, freePort } from "./process.ts";
import { root } from "./tools.ts";

/** The Jaeger v2 binary tools/setup.sh builds (GO_BUILDS). */
export const JAEGER: string = `${root}tools/go/bin/jaeger`;

/** A running backend. */
export interface Backend {
  /** The process. */
  readonly child: Child;
  /** Stops it and removes its files. */
  close(): Promise<void>;
}

/** A running Jaeger. */
export interface Jaeger extends Backend {
  /** OTLP/HTTP base URL, for `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  readonly otlp: string;
  /** Query API base URL (`/api/v3/traces/{id}`). */
  readonly query: string;
}

/** A running Prometheus. */
export interface Prometheus extends Backend {
  /** HTTP API base URL (`/api/v1/query`). */
  readonly api: string;
}

async function present(binary: string, what: string): Promise<void> {
  try {
    await Deno.stat(binary);
  } catch {
    throw new Error(`${what} (${binary}) is missing: run sh tools/setup.sh`);
  }
}

/** Starts Jaeger v2 with an OTLP/HTTP receiver and in-memory storage on free ports. */
export async function startJaeger(): Promise<Jaeger> {
  await present(JAEGER, "Jaeger v2");
  const dir = await Deno.makeTempDir({ prefix: "atreus-jaeger-" });
  const [otlp, http, grpc] = [freePort(), freePort(), freePort()];
  const config = `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
extensions:
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 10000
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:${http}
    grpc:
      endpoint: 127.0.0.1:${grpc}
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${otlp}
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`;
  await Deno.writeTextFile(`${dir}/config.yaml`, config);
  const child = new Child("jaeger", JAEGER, ["--config", `${dir}/config.yaml`], { cwd: dir });
  const close = async () => {
    await child.close();
    await Deno.remove(dir, { recursive: true });
  };
  try {
    await child.waitFor(/Everything is ready/, 60_000);
  } catch (error) {
    await close();
    throw error;
  }
  return { child, otlp: `http://127.0.0.1:${otlp}`, query: `http://127.0.0.1:${http}`, close };
}

/** Starts Prometheus scraping each `targets[job]` (`host:port`, path /metrics) every second. */
export async function startPrometheus(targets: Record<string, string>): Promise<Prometheus> {
  await present("/usr/bin/prometheus", "Prometheus (Debian package prometheus)");
  const dir = await Deno.makeTempDir({ prefix: "atreus-prometheus-" });
  const port = freePort();
  const jobs = Object.entries(targets).map(([job, target]) =>
    `  - job_name: ${job}\n    static_configs:\n      - targets: ["${target}"]\n`
  ).join("");
  await Deno.writeTextFile(
    `${dir}/prometheus.yml`,
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n${jobs}`,
  );
  const child = new Child("prometheus", "/usr/bin/prometheus", [
    `--config.file=${dir}/prometheus.yml`,
    `--storage.tsdb.path=${dir}/data`,
    `--web.listen-address=127.0.0.1:${port}`,
  ], { cwd: dir });
  const close = async () => {
    await child.close();
    await Deno.remove(dir, { recursive: true });
  };
  try {
    await child.waitFor(/Server is ready to receive web requests/, 60_000);
  } catch (error) {
    await close();
    throw error;
  }
  return { child, api: `http://127.0.0.1:${port}`, close };
}

/**
 * GETs `url` (JSON) until `accept` returns something other than `undefined`, and returns it;
 * fails after `ms` with the last answer. Bounded polling: the backends ingest asynchronously.
 */
export async function pollJson<T>(
  url: string,
  accept: (body: unknown) => T | undefined,
  ms: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (true) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      last = res.ok ? await res.json() : `${res.status} ${await res.text()}`;
      if (res.ok) {
        const got = accept(last);
        if (got !== undefined) return got;
      }
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const answer = JSON.stringify(last) ?? String(last);
      throw new Error(`${what}: not there within ${ms} ms; last answer: ${answer.slice(0, 2_000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
