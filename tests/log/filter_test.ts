// Kratos's filter rules as a table: level threshold, masked keys and values, drop predicate,
// and how filters compose with `with` prefixes.
import assert from "node:assert/strict";
import { filter, type FilterOptions, type Level, levels, type Logger } from "../../log/mod.ts";
import * as log from "../../log/mod.ts";
import { collector } from "./collect.ts";

interface Row {
  name: string;
  options: FilterOptions;
  level: Level;
  keyvals: unknown[];
  want: string | undefined;
}

const rows: Row[] = [
  { name: "no rules", options: {}, level: "debug", keyvals: ["a", 1], want: "level=DEBUG a=1" },
  {
    name: "below level",
    options: { level: "warn" },
    level: "info",
    keyvals: ["a", 1],
    want: undefined,
  },
  {
    name: "at level",
    options: { level: "warn" },
    level: "warn",
    keyvals: ["a", 1],
    want: "level=WARN a=1",
  },
  {
    name: "above level",
    options: { level: "warn" },
    level: "fatal",
    keyvals: ["a", 1],
    want: "level=FATAL a=1",
  },
  {
    name: "key masked",
    options: { keys: ["password"] },
    level: "info",
    keyvals: ["user", "bob", "password", "hunter2"],
    want: "level=INFO user=bob password=***",
  },
  {
    name: "key match ignores case",
    options: { keys: ["Password"] },
    level: "info",
    keyvals: ["PASSWORD", "hunter2", "password", "x"],
    want: "level=INFO PASSWORD=*** password=***",
  },
  {
    name: "key only masks its value",
    options: { keys: ["token"] },
    level: "info",
    keyvals: ["msg", "token", "token2", "v"],
    want: "level=INFO msg=token token2=v",
  },
  {
    name: "value masked under any key",
    options: { values: ["s3cr3t", 1234] },
    level: "info",
    keyvals: ["a", "s3cr3t", "b", 1234, "c", "1234"],
    want: "level=INFO a=*** b=*** c=1234",
  },
  {
    name: "drop predicate",
    options: { drop: (_l, kv) => kv.includes("healthz") },
    level: "error",
    keyvals: ["path", "healthz"],
    want: undefined,
  },
  {
    name: "drop predicate false keeps",
    options: { drop: (_l, kv) => kv.includes("healthz") },
    level: "error",
    keyvals: ["path", "users"],
    want: "level=ERROR path=users",
  },
  {
    name: "drop predicate sees the level",
    options: { drop: (l) => l === "debug" },
    level: "debug",
    keyvals: ["a", 1],
    want: undefined,
  },
  {
    name: "level and key together",
    options: { level: "info", keys: ["pw"] },
    level: "error",
    keyvals: ["pw", "x"],
    want: "level=ERROR pw=***",
  },
];

Deno.test("filter rules, row by row", async () => {
  for (const row of rows) {
    const { logger, lines } = collector();
    filter(logger, row.options).log(row.level, ...row.keyvals);
    await logger.flush();
    assert.deepEqual(lines, row.want === undefined ? [] : [row.want], row.name);
  }
});

Deno.test("a filter over a with-prefix masks the prefix too; drop sees the record's own", async () => {
  const { logger, lines } = collector();
  const seen: unknown[][] = [];
  let valuerRuns = 0;
  const l = filter(log.with(logger, "password", "p", "svc", () => (valuerRuns++, "valued")), {
    keys: ["password"],
    values: ["valued"],
    drop: (_level, kv) => {
      seen.push([...kv]);
      return kv.includes("drop-me");
    },
  });
  l.log("info", "msg", "hi", "password", "x");
  l.log("info", "msg", "drop-me");
  await logger.flush();
  assert.deepEqual(lines, ["level=INFO password=*** svc=*** msg=hi password=***"]);
  assert.deepEqual(seen, [["msg", "hi", "password", "x"], ["msg", "drop-me"]], "before masking");
  assert.equal(valuerRuns, 1, "the dropped record ran no valuer");
});

Deno.test("a level function is asked per record and answers enabled()", async () => {
  const { logger, lines } = collector();
  let level: Level = "warn";
  let valuerRuns = 0;
  const l = filter(log.with(logger, "n", () => ++valuerRuns), { level: () => level });
  l.log("info", "msg", "a");
  assert.equal(l.enabled?.("info"), false);
  level = "debug";
  l.log("info", "msg", "b");
  assert.equal(l.enabled?.("debug"), true);
  await logger.flush();
  assert.deepEqual(lines, ["level=INFO n=1 msg=b"]);
  assert.equal(valuerRuns, 1);
});

Deno.test("a with-prefix over a filter is filtered as ordinary key/values", async () => {
  const { logger, lines } = collector();
  const l = log.with(filter(logger, { keys: ["token"], level: "info" }), "token", "t");
  l.log("info", "msg", "a");
  l.log("debug", "msg", "b");
  await logger.flush();
  assert.deepEqual(lines, ["level=INFO token=*** msg=a"]);
});

Deno.test("enabled reflects the threshold through every wrapper", () => {
  const { logger } = collector();
  const l: Logger = new log.Helper(
    log.withContext(
      { get: (k) => k.defaultValue },
      log.with(filter(filter(logger, { level: "debug" }), { level: "error" }), "k", "v"),
    ),
  ).logger;
  const want = { debug: false, info: false, warn: false, error: true, fatal: true };
  for (const level of levels) assert.equal(l.enabled?.(level), want[level], level);
});

Deno.test("valuers are not run for records a filter below drops", async () => {
  const { logger, lines } = collector();
  let runs = 0;
  const l = log.with(filter(logger, { level: "warn" }), "n", () => ++runs);
  l.log("info", "msg", "dropped");
  l.log("warn", "msg", "kept");
  await logger.flush();
  assert.equal(runs, 1);
  assert.deepEqual(lines, ["level=WARN n=1 msg=kept"]);
});

Deno.test("parseLevel accepts names in any case and rejects unknown ones", () => {
  const cases: [string, Level][] = [
    ["debug", "debug"],
    ["INFO", "info"],
    [" Warn ", "warn"],
    ["warning", "warn"],
    ["ERROR", "error"],
    ["fatal", "fatal"],
  ];
  for (const [input, want] of cases) assert.equal(log.parseLevel(input), want, input);
  for (const bad of ["", "verbose", "trace", "inf"]) {
    assert.throws(() => log.parseLevel(bad), (e: unknown) => {
      assert.ok(e instanceof RangeError);
      assert.match(e.message, new RegExp(`unknown level "${bad}"`));
      return true;
    });
  }
});
