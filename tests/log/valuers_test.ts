// Valuers: evaluated per record, caller pointing at the logging line through every wrapper,
// trace/span ids and app info read from the request context or a bound one.
import assert from "node:assert/strict";
import * as log from "../../log/mod.ts";
import { newValues, runWithValues } from "../../internal/context.ts";
import { traceContextKey } from "../../internal/trace.ts";
import { appInfoKey } from "../../transport/mod.ts";
import { collector } from "../support/log.ts";

// `dir/file:line` of the line that calls this, as caller() prints it.
function here(): string {
  const frame = new Error().stack!.split("\n")[2];
  const m = /([^\s(/]+\/[^\s(/]+):(\d+):\d+\)?$/.exec(frame);
  assert.ok(m, frame);
  return `${m[1]}:${m[2]}`;
}

Deno.test("caller points at the line that logged, whatever the wrapping", async () => {
  const { logger, lines } = collector();
  const base = log.with(logger, "caller", log.caller());
  const helper = new log.Helper(log.filter(base, { level: "debug" }));
  const want: string[] = [];
  base.log("info", "via", "logger"), want.push(here());
  helper.infow("via helper"), want.push(here());
  helper.infof("%s", "printf"), want.push(here());
  helper.withContext(newValues()).info("bound"), want.push(here());
  log.with(base, "extra", 1).log("warn", "nested", "with"), want.push(here());
  await logger.flush();
  assert.equal(lines.length, want.length);
  lines.forEach((line, i) => assert.match(line, new RegExp(`^level=\\w+ caller=${want[i]} `)));
  assert.match(want[0], /^log\/valuers_test\.ts:\d+$/);
});

Deno.test("caller(skip) skips a wrapper of the caller's own", async () => {
  const { logger, lines } = collector();
  const l = log.with(logger, "caller", log.caller(1));
  const myLog = (msg: string) => l.log("info", "msg", msg);
  const want: string[] = [];
  myLog("wrapped"), want.push(here());
  await logger.flush();
  assert.equal(lines[0], `level=INFO caller=${want[0]} msg=wrapped`);
});

Deno.test("a generated record leaves caller out; records around it keep theirs", async () => {
  const { logger, lines } = collector();
  const l = log.filter(log.with(logger, "caller", log.caller(), "k", "v"), { level: "info" });
  const want: string[] = [];
  l.log("info", "msg", "before"), want.push(here());
  log.logGenerated(l, "info", ["msg", "generated"]);
  l.log("info", "msg", "after"), want.push(here());
  await logger.flush();
  assert.deepEqual(lines, [
    `level=INFO caller=${want[0]} k=v msg=before`,
    "level=INFO k=v msg=generated",
    `level=INFO caller=${want[1]} k=v msg=after`,
  ]);
});

Deno.test("valuers run per record; plain functions in a call's key/values do not", async () => {
  const { logger, lines } = collector();
  let n = 0;
  const l = log.with(logger, "n", () => ++n, "level.seen", (ctx: log.ValuerContext) => ctx.level);
  l.log("info", "fn", function notAValuer() {});
  l.log("error", "k", "v");
  await logger.flush();
  assert.deepEqual(lines, [
    'level=INFO n=1 level.seen=info fn="[function notAValuer]"',
    "level=ERROR n=2 level.seen=error k=v",
  ]);
});

Deno.test("a throwing valuer costs its value, not the record", async () => {
  const { logger, lines } = collector();
  log.with(logger, "bad", () => {
    throw new Error("no clock");
  }).log("info", "msg", "still here");
  await logger.flush();
  assert.deepEqual(lines, ['level=INFO bad="!valuer error: no clock" msg="still here"']);
});

Deno.test("timestamp formats the time of each record", async () => {
  const { logger, lines } = collector();
  const stamps: Date[] = [];
  const l = log.with(logger, "ts", log.timestamp((d) => (stamps.push(d), `T${stamps.length}`)));
  l.log("info", "a", 1);
  l.log("info", "a", 2);
  await logger.flush();
  assert.deepEqual(lines, ["level=INFO ts=T1 a=1", "level=INFO ts=T2 a=2"]);
  const { logger: iso, lines: isoLines } = collector();
  log.with(iso, "ts", log.timestamp()).log("info", "k", "v");
  await iso.flush();
  assert.match(isoLines[0], /^level=INFO ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z k=v$/);
});

const contextKeys = [
  "trace.id",
  log.traceId(),
  "span.id",
  log.spanId(),
  "service.id",
  log.serviceId(),
  "service.name",
  log.serviceName(),
  "service.version",
  log.serviceVersion(),
];

function requestValues() {
  return newValues()
    .set(traceContextKey, {
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
    })
    .set(appInfoKey, {
      id: "i-1",
      name: "greeter",
      version: "v1.2.3",
      metadata: {},
      endpoints: [],
    });
}

const inRequest = "level=INFO trace.id=4bf92f3577b34da6a3ce929d0e0e4736 span.id=00f067aa0ba902b7 " +
  "service.id=i-1 service.name=greeter service.version=v1.2.3 msg=hi";
const outside = 'level=INFO trace.id="" span.id="" service.id="" service.name="" ' +
  'service.version="" msg=hi';

Deno.test("trace, span and app-info valuers read the request context", async () => {
  const { logger, lines } = collector();
  const l = log.with(logger, ...contextKeys);
  runWithValues(requestValues(), () => l.log("info", "msg", "hi"));
  l.log("info", "msg", "hi");
  await logger.flush();
  assert.deepEqual(lines, [inRequest, outside]);
});

Deno.test("withContext binds a context for writes outside it", async () => {
  const { logger, lines } = collector();
  const values = requestValues();
  log.withContext(values, log.with(logger, ...contextKeys)).log("info", "msg", "hi");
  new log.Helper(log.with(logger, ...contextKeys)).withContext(values).infow("hi");
  await logger.flush();
  assert.deepEqual(lines, [inRequest, inRequest]);
});

Deno.test("timestamp writes what toISOString writes, across minutes, hours, days and years", () => {
  // The valuer reuses the minute's text; Date.now is stubbed to walk the clock through edges.
  const realNow = Date.now;
  let now = 0;
  Date.now = () => now;
  try {
    const ts = log.timestamp();
    const value = () => ts({ level: "info", value: () => undefined }) as string;
    const times: number[] = [];
    const edges = [
      0,
      59_999,
      60_000,
      Date.UTC(2026, 11, 31, 23, 59, 59, 999),
      Date.UTC(2027, 0, 1),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      Date.UTC(10000, 0, 1),
      -1,
      -60_001,
    ];
    for (const e of edges) for (let d = -3; d <= 3; d++) times.push(e + d);
    let t = Date.UTC(2026, 11, 2, 4, 0, 0);
    for (let i = 0; i < 20_000; i++) times.push(t += 1 + (i * 7919) % 9_001);
    for (const time of times) {
      now = time;
      assert.equal(value(), new Date(time).toISOString(), String(time));
      assert.equal(value(), new Date(time).toISOString(), `${time}, again`);
    }
  } finally {
    Date.now = realNow;
  }
});
