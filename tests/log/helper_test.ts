// The Helper's plain, printf and key/value methods, and the global logger.
import assert from "node:assert/strict";
import * as log from "../../log/mod.ts";
import { collector } from "../support/log.ts";

Deno.test("every level has plain, f and w methods", async () => {
  const { logger, lines } = collector();
  const h = new log.Helper(logger);
  for (const level of log.levels) {
    h[level]("plain", level, 1);
    h[`${level}f`]("%s=%d", level, 2);
    h[`${level}w`](`w ${level}`, "k", 3);
  }
  await logger.flush();
  const want = log.levels.flatMap((l) => {
    const L = l.toUpperCase();
    return [
      `level=${L} msg="plain ${l} 1"`,
      `level=${L} msg="${l}=2"`,
      `level=${L} msg="w ${l}" k=3`,
    ];
  });
  assert.deepEqual(lines, want);
});

Deno.test("messageKey, sprint and sprintf options are used", async () => {
  const { logger, lines } = collector("json");
  const h = new log.Helper(logger, {
    messageKey: "message",
    sprint: (...a) => a.join("+"),
    sprintf: (f, ...a) => `${f}|${a.length}`,
  });
  h.info("a", "b");
  h.warnf("fmt", 1, 2);
  h.errorw("m", "x", 1);
  h.log("debug", "raw", true);
  await logger.flush();
  assert.deepEqual(lines, [
    '{"level":"INFO","message":"a+b"}',
    '{"level":"WARN","message":"fmt|2"}',
    '{"level":"ERROR","message":"m","x":1}',
    '{"level":"DEBUG","raw":true}',
  ]);
});

Deno.test("messages are not built for levels a filter drops", async () => {
  const { logger, lines } = collector();
  let built = 0;
  const h = new log.Helper(log.filter(logger, { level: "warn" }), {
    sprint: (...a) => (built++, a.join(" ")),
    sprintf: (f) => (built++, f),
  });
  h.debug("x");
  h.infof("y");
  assert.equal(h.enabled("info"), false);
  assert.equal(h.enabled("warn"), true);
  h.warn("z");
  await logger.flush();
  assert.equal(built, 1);
  assert.deepEqual(lines, ["level=WARN msg=z"]);
});

Deno.test("printf verbs follow Node's util.format", async () => {
  const cases: [string, unknown[], string][] = [
    ["%s and %s", ["a", 1], "a and 1"],
    ["%d items", ["42"], "42 items"],
    ["%d", [10n], "10"],
    ["%i", [3.9], "3"],
    ["%f", ["1.5"], "1.5"],
    ["%j", [{ a: [1] }], '{"a":[1]}'],
    ["%o|%O", [[1], { b: 2 }], '[1]|{"b":2}'],
    ["%s", [{ a: 1 }], '{"a":1}'],
    ["100%%", [], "100%"],
    ["%c styled", ["color: red"], " styled"],
    ["missing %s %d", ["one"], "missing one %d"],
    ["extra", ["a", 2, { c: 3 }], 'extra a 2 {"c":3}'],
    ["%x unknown verb", [1], "%x unknown verb 1"],
  ];
  const { logger, lines } = collector("json");
  const h = new log.Helper(logger);
  for (const [format, args] of cases) h.infof(format, ...args);
  await logger.flush();
  assert.deepEqual(lines.map((l) => JSON.parse(l).msg), cases.map(([, , want]) => want));
});

Deno.test("the global logger is a stable handle that follows setLogger", async () => {
  const handle = log.getLogger();
  const first = collector();
  const second = collector();
  log.setLogger(first.logger);
  handle.log("info", "to", "first");
  log.helper().infow("helper", "to", "first");
  log.setLogger(second.logger);
  handle.log("info", "to", "second");
  log.setLogger(log.getLogger()); // setting the handle itself is ignored, not a loop
  log.helper(new Map() as unknown as log.ValueReader).info("bound");
  await log.flush();
  await log.flush(first.logger);
  assert.equal(log.getLogger(), handle);
  assert.deepEqual(first.lines, ["level=INFO to=first", "level=INFO msg=helper to=first"]);
  assert.deepEqual(second.lines, ["level=INFO to=second", "level=INFO msg=bound"]);
  assert.throws(() => log.setLogger({} as log.Logger), TypeError);
});
