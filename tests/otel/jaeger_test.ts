// Spans exported over OTLP to a real trace backend the project does not write — Jaeger v2,
// built from the Go module proxy — and read back through its query API: one trace spanning
// gateway → helloworld in the registry example (etcd discovery, child processes configured only
// by OTEL_* variables), parent/child right, attributes per the RPC semantic conventions.
import assert from "node:assert/strict";
import { startEtcd } from "../support/etcd.ts";
import { pollJson, startJaeger } from "../support/observability.ts";
import { startHelloworld } from "../support/helloworld.ts";
import { Child } from "../support/process.ts";
import { root } from "../support/tools.ts";

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number | string;
  attributes?: { key: string; value: OtlpValue }[];
  status?: { code?: number | string; message?: string };
}
interface Found {
  service: string;
  version: string;
  span: OtlpSpan;
  attrs: Record<string, string | number>;
}

/** The spans of one trace from Jaeger's v3 (OTLP JSON) query API, with their service. */
function spansOf(body: unknown): Found[] {
  const resourceSpans = (body as {
    result?: {
      resourceSpans?: {
        resource: { attributes: { key: string; value: OtlpValue }[] };
        scopeSpans: { spans: OtlpSpan[] }[];
      }[];
    };
  }).result?.resourceSpans ?? [];
  const value = (v: OtlpValue) => v.stringValue ?? Number(v.intValue);
  const out: Found[] = [];
  for (const rs of resourceSpans) {
    const res = Object.fromEntries(rs.resource.attributes.map((a) => [a.key, value(a.value)]));
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) {
        out.push({
          service: String(res["service.name"]),
          version: String(res["service.version"]),
          span,
          attrs: Object.fromEntries((span.attributes ?? []).map((a) => [a.key, value(a.value)])),
        });
      }
    }
  }
  return out;
}

// Jaeger's JSON spells enums as numbers or names depending on the path taken; accept both.
const kindIs = (s: OtlpSpan, name: "SERVER" | "CLIENT") =>
  s.kind === (name === "SERVER" ? 2 : 3) || s.kind === `SPAN_KIND_${name}`;
const statusIs = (s: OtlpSpan, name: "UNSET" | "ERROR") => {
  const code = s.status?.code ?? 0;
  return code === (name === "UNSET" ? 0 : 2) || code === `STATUS_CODE_${name}` ||
    (name === "UNSET" && code === "");
};

const hex = (bytes: number) =>
  Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0"))
    .join("");

Deno.test("jaeger: one trace gateway → helloworld over etcd, exported by OTLP and read back by its query API", async () => {
  const jaeger = await startJaeger();
  const etcd = await startEtcd();
  const children: Child[] = [];
  // Only the standard variables configure the export; a short batch delay keeps the test quick.
  const env = {
    OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlp,
    OTEL_BSP_SCHEDULE_DELAY: "100",
  };
  const spawn = (name: string, entry: string, args: string[]) => {
    const child = new Child(name, Deno.execPath(), [
      "run",
      "-A",
      `examples/registry/${entry}`,
      "--etcd",
      etcd.endpoint,
      ...args,
    ], { cwd: root, env });
    children.push(child);
    return child;
  };
  try {
    const hello = spawn("helloworld", "helloworld.ts", []);
    await hello.waitFor(/helloworld \S+ serving .* \(registered in etcd\)/, 60_000);
    const gw = spawn("gateway", "gateway.ts", ["--http", "127.0.0.1:0", "--grpc", "127.0.0.1:0"]);
    const [, http] = await gw.waitFor(/gateway serving (http:\/\/\S+) grpc:\/\/\S+/, 60_000);
    const greet = async (name: string, traceId: string, parent: string) => {
      const res = await fetch(`${http.replace(/\/$/, "")}/gateway.v1.Gateway/Greet`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          traceparent: `00-${traceId}-${parent}-01`,
        },
        body: JSON.stringify({ name }),
        signal: AbortSignal.timeout(20_000),
      });
      return { status: res.status, body: await res.json() };
    };

    // A caller's trace (the test is the remote parent) continued by both services.
    const [traceId, parent] = [hex(16), hex(8)];
    const ok = await greet("atreus", traceId, parent);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.message, "Hello atreus");
    const spans = await pollJson(
      `${jaeger.query}/api/v3/traces/${traceId}`,
      (body) => {
        const s = spansOf(body);
        return s.length >= 3 ? s : undefined;
      },
      30_000,
      `trace ${traceId} in Jaeger`,
    );
    assert.equal(spans.length, 3, spans.map((s) => `${s.service} ${s.span.name}`).join(", "));
    for (const s of spans) assert.equal(s.span.traceId, traceId, "one trace id");
    const one = (service: string, kind: "SERVER" | "CLIENT") => {
      const found = spans.filter((s) => s.service === service && kindIs(s.span, kind));
      assert.equal(found.length, 1, `one ${kind} span of ${service}`);
      return found[0];
    };
    const gwServer = one("gateway", "SERVER");
    const gwClient = one("gateway", "CLIENT");
    const helloServer = one("helloworld", "SERVER");
    assert.equal(gwServer.span.parentSpanId, parent, "the gateway continues the caller's trace");
    assert.equal(
      gwClient.span.parentSpanId,
      gwServer.span.spanId,
      "client call under the server span",
    );
    assert.equal(helloServer.span.parentSpanId, gwClient.span.spanId, "helloworld under the call");
    assert.equal(gwServer.version, "v1.0.0");

    // RPC semantic conventions: names, systems, methods, statuses, addresses.
    assert.equal(gwServer.span.name, "gateway.v1.Gateway/Greet");
    assert.equal(gwServer.attrs["rpc.system.name"], "connectrpc");
    assert.equal(gwServer.attrs["rpc.method"], "gateway.v1.Gateway/Greet");
    assert.equal(gwServer.attrs["rpc.status_code"], undefined, "a Connect success has no code");
    for (const s of [gwClient, helloServer]) {
      assert.equal(s.span.name, "helloworld.v1.Greeter/SayHello");
      assert.equal(s.attrs["rpc.system.name"], "grpc");
      assert.equal(s.attrs["rpc.method"], "helloworld.v1.Greeter/SayHello");
      assert.equal(s.attrs["rpc.status_code"], "OK");
      assert.equal(s.attrs["error.type"], undefined);
      assert.ok(statusIs(s.span, "UNSET"), JSON.stringify(s.span.status));
    }
    // The gateway calls a registry target: the whole target, no port (gRPC's conventions).
    assert.equal(gwClient.attrs["server.address"], "discovery:///helloworld");
    assert.equal(gwClient.attrs["server.port"], undefined);
    assert.equal(helloServer.attrs["server.address"], "127.0.0.1");
    assert.equal(typeof helloServer.attrs["server.port"], "number");

    // A NotFound from helloworld: an error for the gateway's client, not a server fault.
    const [missingTrace, missingParent] = [hex(16), hex(8)];
    const missing = await greet("nobody", missingTrace, missingParent);
    assert.equal(missing.status, 404);
    const failed = await pollJson(
      `${jaeger.query}/api/v3/traces/${missingTrace}`,
      (body) => {
        const s = spansOf(body);
        return s.length >= 3 ? s : undefined;
      },
      30_000,
      `trace ${missingTrace} in Jaeger`,
    );
    const failedClient = failed.find((s) => s.service === "gateway" && kindIs(s.span, "CLIENT"))!;
    const failedServer = failed.find((s) => s.service === "helloworld")!;
    assert.equal(failedClient.attrs["rpc.status_code"], "NOT_FOUND");
    assert.equal(failedClient.attrs["error.type"], "NOT_FOUND");
    assert.ok(statusIs(failedClient.span, "ERROR"), JSON.stringify(failedClient.span.status));
    assert.equal(failedServer.attrs["rpc.status_code"], "NOT_FOUND");
    assert.equal(failedServer.attrs["error.type"], undefined, "NotFound is the caller's problem");
    assert.ok(statusIs(failedServer.span, "UNSET"));

    // Stopping flushes: the processes exit cleanly with nothing left to export.
    for (const child of [gw, hello]) {
      child.kill("SIGTERM");
      assert.equal((await child.exited(20_000)).code, 0, child.output);
      assert.doesNotMatch(child.output, /trace export failed/, child.output);
    }
  } finally {
    for (const child of children) await child.close();
    await etcd.close();
    await jaeger.close();
  }
});

Deno.test("jaeger: helloworld as shipped exports its spans once OTEL_EXPORTER_OTLP_ENDPOINT is set", async () => {
  const jaeger = await startJaeger();
  try {
    const hello = await startHelloworld("deno", [], {
      OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlp,
      OTEL_BSP_SCHEDULE_DELAY: "100",
    });
    try {
      // The logger batches its lines, so this one may follow the "serving" line printed at once.
      await hello.child.waitFor(
        /msg="exporting traces" endpoint=http:\/\/127\.0\.0\.1:\d+\/v1\/traces/,
        20_000,
      );
      const [traceId, parent] = [hex(16), hex(8)];
      const traceparent = `00-${traceId}-${parent}-01`;
      const connect = await fetch(`${hello.http}/helloworld.v1.Greeter/SayHello`, {
        method: "POST",
        headers: { "content-type": "application/json", traceparent },
        body: JSON.stringify({ name: "atreus" }),
        signal: AbortSignal.timeout(20_000),
      });
      assert.equal(connect.status, 200, await connect.text());
      const rest = await fetch(`${hello.http}/helloworld/atreus`, {
        headers: { traceparent },
        signal: AbortSignal.timeout(20_000),
      });
      assert.equal(rest.status, 200, await rest.text());
      const spans = await pollJson(
        `${jaeger.query}/api/v3/traces/${traceId}`,
        (body) => {
          const s = spansOf(body);
          return s.length >= 2 ? s : undefined;
        },
        30_000,
        `trace ${traceId} in Jaeger`,
      );
      assert.deepEqual(
        spans.map((s) => [s.service, s.version, s.span.name, s.span.parentSpanId]).sort(),
        [
          ["helloworld", "v1.0.0", "GET /helloworld/{name}", parent],
          ["helloworld", "v1.0.0", "helloworld.v1.Greeter/SayHello", parent],
        ],
      );
      for (const s of spans) assert.ok(kindIs(s.span, "SERVER"), JSON.stringify(s.span.kind));
      const rpc = spans.find((s) => s.attrs["rpc.system.name"] === "connectrpc")!;
      assert.equal(rpc.attrs["rpc.method"], "helloworld.v1.Greeter/SayHello");
      const http = spans.find((s) => s.span.name.startsWith("GET "))!;
      assert.equal(http.attrs["http.route"], "/helloworld/{name}");
      assert.equal(http.attrs["http.response.status_code"], 200);
    } finally {
      hello.child.kill("SIGTERM");
      assert.equal((await hello.child.exited(20_000)).code, 0, hello.child.output);
      assert.doesNotMatch(hello.child.output, /trace export failed/, hello.child.output);
      await hello.child.close();
    }
  } finally {
    await jaeger.close();
  }
});
