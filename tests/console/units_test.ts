// The console's parts that need no browser: the Prometheus parser and the per-operation rates
// for both metric namings (Atreus's OpenTelemetry names and Kratos's), quantiles, --registry and
// --endpoints parsing, the request templates, and the bundle being what a build makes.
import assert from "node:assert/strict";
import type { DescFile } from "@bufbuild/protobuf";
import type { FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import { file_helloworld_v1_greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { CliError } from "../../cmd/atreus/errors.ts";
import { describe } from "../../cmd/atreus/console/describe.ts";
import { isFailure, pointBetween, quantile, read } from "../../cmd/atreus/console/metrics.ts";
import { ExpositionError, parseExposition } from "../../cmd/atreus/console/prometheus.ts";
import { registryOf } from "../../cmd/atreus/console/reflect.ts";
import { fixedInstances, registryFromUrl } from "../../cmd/atreus/console/registry_url.ts";
import { run } from "../support/process.ts";
import { root } from "../support/tools.ts";

const otel = (ok: number, failed: number, le5: number, inf: number) =>
  `# HELP rpc_server_duration_milliseconds Duration of inbound RPCs.
# TYPE rpc_server_duration_milliseconds histogram
rpc_server_duration_milliseconds_bucket{rpc_system="grpc",rpc_service="helloworld.v1.Greeter",rpc_method="SayHello",rpc_grpc_status_code="0",le="1"} 0
rpc_server_duration_milliseconds_bucket{rpc_system="grpc",rpc_service="helloworld.v1.Greeter",rpc_method="SayHello",rpc_grpc_status_code="0",le="5"} ${le5}
rpc_server_duration_milliseconds_bucket{rpc_system="grpc",rpc_service="helloworld.v1.Greeter",rpc_method="SayHello",rpc_grpc_status_code="0",le="+Inf"} ${inf}
# TYPE rpc_server_requests_total counter
rpc_server_requests_total{rpc_system="grpc",rpc_service="helloworld.v1.Greeter",rpc_method="SayHello",rpc_grpc_status_code="0"} ${ok}
rpc_server_requests_total{rpc_system="grpc",rpc_service="helloworld.v1.Greeter",rpc_method="SayHello",rpc_grpc_status_code="5"} ${failed}
rpc_client_requests_total{rpc_system="grpc",rpc_service="x.Y",rpc_method="Z",rpc_grpc_status_code="0"} 99
`;

const kratos = (ok: number, failed: number, b: number, inf: number) =>
  `# TYPE server_requests_code_total counter
server_requests_code_total{kind="grpc",operation="/helloworld.v1.Greeter/SayHello",code="0",reason=""} ${ok}
server_requests_code_total{kind="grpc",operation="/helloworld.v1.Greeter/SayHello",code="404",reason="USER_NOT_FOUND"} ${failed}
# TYPE server_requests_seconds histogram
server_requests_seconds_bucket{kind="grpc",operation="/helloworld.v1.Greeter/SayHello",le="0.005"} ${b}
server_requests_seconds_bucket{kind="grpc",operation="/helloworld.v1.Greeter/SayHello",le="+Inf"} ${inf}
server_requests_seconds_sum{kind="grpc",operation="/helloworld.v1.Greeter/SayHello"} 0.1
server_requests_seconds_count{kind="grpc",operation="/helloworld.v1.Greeter/SayHello"} ${inf}
`;

Deno.test("console metrics: both namings give requests/s, error rate and quantiles per operation", () => {
  for (const [naming, text] of [["otel", otel], ["kratos", kratos]] as const) {
    const a = read(parseExposition(text(10, 0, 10, 10)), 0);
    const b = read(parseExposition(text(30, 20, 50, 50)), 2_000);
    assert.equal(b.naming, naming);
    const point = pointBetween(a, b)!;
    const op = point.ops["/helloworld.v1.Greeter/SayHello"];
    assert.ok(op, `${naming}: ${JSON.stringify(point.ops)}`);
    assert.deepEqual(
      Object.keys(point.ops),
      ["/helloworld.v1.Greeter/SayHello"],
      "client series ignored",
    );
    assert.equal(op.rps, 20, naming); // 40 more calls in 2 s
    assert.equal(op.errorRate, 0.5, naming);
    // 40 new observations, all in the bucket (1, 5] ms (Kratos's 5 ms = 0.005 s).
    const low = naming === "otel" ? 1 : 0;
    assert.equal(op.p50, low + (5 - low) * 0.5, naming);
    assert.ok(op.p99! > op.p50! && op.p99! <= 5, naming);
  }
  assert.equal(pointBetween(undefined, read(parseExposition(otel(1, 0, 1, 1)), 0)), undefined);
});

Deno.test("console metrics: a restarted process's counters count from zero, not negative", () => {
  const a = read(parseExposition(otel(100, 10, 100, 100)), 0);
  const b = read(parseExposition(otel(4, 0, 4, 4)), 1_000);
  const op = pointBetween(a, b)!.ops["/helloworld.v1.Greeter/SayHello"];
  assert.equal(op.rps, 4);
  assert.equal(op.errorRate, 0);
});

Deno.test("console metrics: quantiles interpolate inside buckets; +Inf answers the top bound", () => {
  const h = new Map([[10, 50], [20, 100], [Infinity, 100]]);
  assert.equal(quantile(0.5, h), 10);
  assert.equal(quantile(0.75, h), 15);
  assert.equal(quantile(0.99, new Map([[10, 1], [Infinity, 100]])), 10);
  assert.equal(quantile(0.5, new Map([[10, 0], [Infinity, 0]])), undefined);
  assert.equal(isFailure({ rpc_grpc_status_code: "0" }), false);
  assert.equal(isFailure({ rpc_grpc_status_code: "14" }), true);
  assert.equal(isFailure({ http_response_status_code: "404" }), true);
  assert.equal(isFailure({ code: "200" }), false);
  assert.equal(isFailure({ code: "0", reason: "" }), false);
  assert.equal(isFailure({ code: "503", reason: "X" }), true);
});

Deno.test("console prometheus: escapes, special values; a bad line names its number", () => {
  const { samples, types } = parseExposition(
    `# TYPE x counter\nx{a="q\\"uote",b="back\\\\slash",c="new\\nline"} +Inf\ny NaN 1712345678\n`,
  );
  assert.equal(types.get("x"), "counter");
  assert.deepEqual(samples[0].labels, { a: 'q"uote', b: "back\\slash", c: "new\nline" });
  assert.equal(samples[0].value, Infinity);
  assert.ok(Number.isNaN(samples[1].value));
  assert.throws(
    () => parseExposition("ok 1\nbad{a=1} 2\n"),
    (e: unknown) => e instanceof ExpositionError && e.line === 2,
  );
  assert.throws(() => parseExposition('x{a="1"} one\n'), /line 1: bad value "one"/);
});

Deno.test("console --registry and --endpoints: parsed, or a usage error naming the problem", async () => {
  for (
    const url of [
      "etcd://127.0.0.1:2379",
      "etcd://h/ns/x",
      "consul://h:8500?dc=a",
      "nacos+https://h?group=g",
      "etcd+https://h",
    ]
  ) {
    const r = registryFromUrl(url);
    assert.equal(typeof r.services, "function", url);
    await r.close();
  }
  const usage = (f: () => unknown, re: RegExp) =>
    assert.throws(
      f,
      (e: unknown) => e instanceof CliError && e.exitCode === 2 && re.test(e.message),
    );
  usage(() => registryFromUrl("zookeeper://h"), /unknown scheme "zookeeper:"/);
  usage(() => registryFromUrl("not a url"), /is not a URL/);
  usage(() => registryFromUrl("etcd://h?token=x"), /takes no parameter "token"/);
  usage(() => registryFromUrl("consul://h/path"), /take no path/);
  assert.deepEqual(
    fixedInstances(["hw=grpc://127.0.0.1:9000,http://127.0.0.1:8000", "127.0.0.1:9100"]),
    [
      {
        id: "127.0.0.1:9000",
        name: "hw",
        version: "",
        metadata: {},
        endpoints: ["grpc://127.0.0.1:9000", "http://127.0.0.1:8000"],
      },
      {
        id: "127.0.0.1:9100",
        name: "127.0.0.1:9100",
        version: "",
        metadata: {},
        endpoints: ["grpc://127.0.0.1:9100"],
      },
    ],
  );
  usage(() => fixedInstances(["ftp://h:1"]), /must be grpc:\/\//);
  usage(() => fixedInstances(["grpc://h"]), /with a port/);
  usage(() => fixedInstances(["a=h:1", "a=h:1"]), /given twice/);
});

Deno.test("console describe: methods, fields with types and labels, a template per method", () => {
  // The FileDescriptorProtos as reflection sends them, dependents before their imports.
  const files = new Map<string, FileDescriptorProto>();
  const add = (f: DescFile) => {
    files.set(f.proto.name, f.proto);
    f.dependencies.forEach(add);
  };
  add(file_helloworld_v1_greeter);
  const registry = registryOf(files);
  const d = describe(registry, ["helloworld.v1.Greeter", "grpc.reflection.v1.ServerReflection"], {
    instance: "i",
    endpoint: "grpc://h:1",
    reflection: "v1",
  });
  assert.deepEqual(d.packages.map((p) => p.name), ["helloworld.v1"]);
  const [sayHello, stream] = d.packages[0].services[0].methods;
  assert.equal(sayHello.path, "/helloworld.v1.Greeter/SayHello");
  assert.equal(sayHello.idempotency, "NO_SIDE_EFFECTS");
  assert.equal(stream.kind, "server_streaming");
  assert.deepEqual(JSON.parse(stream.template), { name: "", count: 0, intervalMs: 0 });
  assert.deepEqual(
    d.messages["helloworld.v1.HelloStreamRequest"].fields.map((
      f,
    ) => [f.name, f.jsonName, f.type, f.number]),
    [["name", "name", "string", 1], ["count", "count", "int32", 2], [
      "interval_ms",
      "intervalMs",
      "int32",
      3,
    ]],
  );
});

Deno.test("console bundle: gen/assets.ts is what deno task build:console makes", async () => {
  const out = await run(Deno.execPath(), ["task", "build:console", "--check"], {
    cwd: root,
    timeoutMs: 120_000,
  });
  assert.equal(out.code, 0, out.stdout + out.stderr);
});
