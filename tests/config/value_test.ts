// Typed accessors: strings, numbers, booleans, durations, arrays, maps; fallbacks and errors.
import assert from "node:assert/strict";
import {
  ConfigError,
  createConfig,
  env,
  file,
  InvalidOptionError,
  memory,
} from "../../config/mod.ts";
import { formatProtoDuration, parseDurationNs } from "../../config/duration.ts";

const isCode = (code: string) => (e: unknown) => e instanceof ConfigError && e.code === code;

Deno.test("typed accessors convert the string forms env and placeholders produce", async () => {
  const config = createConfig({
    sources: [memory({
      s: "text",
      n: 8000,
      ns: " 42.5 ",
      i: "7",
      b: true,
      bs: "FALSE",
      b1: "1",
      d1: "1.5s",
      d2: "500ms",
      d3: 250,
      d4: "1h30m",
      d5: "-2us",
      arr: ["a", 2, "3s"],
      m: { x: 1, y: "two" },
    })],
  });
  await config.load();
  const v = (k: string) => config.value(k);
  assert.equal(v("s").string(), "text");
  assert.equal(v("n").string(), "8000");
  assert.equal(v("n").number(), 8000);
  assert.equal(v("ns").number(), 42.5);
  assert.equal(v("i").int(), 7);
  assert.equal(v("b").bool(), true);
  assert.equal(v("bs").bool(), false);
  assert.equal(v("b1").bool(), true);
  assert.equal(v("d1").duration(), 1500);
  assert.equal(v("d2").duration(), 500);
  assert.equal(v("d3").duration(), 250);
  assert.equal(v("d4").duration(), 5_400_000);
  assert.equal(v("d5").duration(), -0.002);
  const arr = v("arr").array();
  assert.deepEqual(arr.map((x) => x.key), ["arr[0]", "arr[1]", "arr[2]"]);
  assert.equal(arr[1].number(), 2);
  assert.equal(arr[2].duration(), 3000);
  assert.equal(v("arr[2]").string(), "3s");
  assert.equal(v("arr.0").string(), "a");
  const m = v("m").map();
  assert.deepEqual(Object.keys(m), ["x", "y"]);
  assert.equal(m.y.key, "m.y");
  assert.equal(m.y.string(), "two");
  await config.close();
});

Deno.test("missing keys use the fallback or throw not_found; wrong types throw type", async () => {
  const config = createConfig({ sources: [memory({ s: "abc", o: { a: 1 }, f: 1.5 })] });
  await config.load();
  assert.equal(config.value("nope").exists, false);
  assert.equal(config.value("nope").string("dflt"), "dflt");
  assert.equal(config.value("nope.deeper").duration(1000), 1000);
  assert.deepEqual(config.value("nope").array([]), []);
  assert.throws(() => config.value("nope").string(), isCode("not_found"));
  assert.throws(() => config.value("s").number(), /config key "s": expected a number, got "abc"/);
  assert.throws(() => config.value("s").bool(), isCode("type"));
  assert.throws(() => config.value("s").duration(), /expected a duration such as "1.5s"/);
  assert.throws(() => config.value("o").string(), isCode("type"));
  assert.throws(() => config.value("o").array(), isCode("type"));
  assert.throws(() => config.value("s").map(), isCode("type"));
  assert.throws(() => config.value("f").int(), /expected an integer/);
  assert.throws(() => config.value("a..b"), isCode("usage"));
  await config.close();
});

Deno.test("values are frozen snapshots", async () => {
  const config = createConfig({ sources: [memory({ o: { a: [1] } })] });
  await config.load();
  const raw = config.value("o").raw() as { a: number[] };
  assert.throws(() => raw.a.push(2), TypeError);
  assert.deepEqual(config.value("o").raw(), { a: [1] });
  await config.close();
});

Deno.test("duration parsing is exact and rejects ambiguous or malformed text", () => {
  assert.equal(parseDurationNs("1.5s"), 1_500_000_000n);
  assert.equal(parseDurationNs("1h2m3s4ms5us6ns"), 3_723_004_005_006n);
  assert.equal(parseDurationNs("0"), 0n);
  assert.equal(parseDurationNs(".5ms"), 500_000n);
  assert.equal(parseDurationNs("1.000000001s"), 1_000_000_001n);
  for (const bad of ["", "500", "1x", "s", "1.5", "1s 2s", "--1s", "1ss"]) {
    assert.equal(parseDurationNs(bad), undefined, bad);
  }
  assert.equal(formatProtoDuration(1_500_000_000n), "1.500s");
  assert.equal(formatProtoDuration(1_000_000_000n), "1s");
  assert.equal(formatProtoDuration(-1_000_001n), "-0.001000001s");
  assert.equal(formatProtoDuration(20_000n), "0.000020s");
});

Deno.test("using a config before load, after close, or with bad options is a usage error", async () => {
  const invalid = (option: string) => (e: unknown) =>
    e instanceof InvalidOptionError && e.option === option && e.message.startsWith("createConfig:");
  assert.throws(() => createConfig({} as never), invalid("sources"));
  assert.throws(() => createConfig({ sources: [{}] } as never), invalid("sources[0]"));
  const invalid2 = (component: string, option: string) => (e: unknown) =>
    e instanceof InvalidOptionError && e.option === option &&
    e.message.startsWith(`${component}: ${option} must be`);
  assert.throws(() => env({ separator: "" }), invalid2("env", "separator"));
  assert.throws(() => file(""), invalid2("file", "path"));
  assert.throws(() => file("x.yaml", { debounceMs: -1 }), invalid2("file", "debounceMs"));
  const config = createConfig({ sources: [memory({ a: 1 })] });
  assert.throws(() => config.value("a"), /call load\(\) first/);
  await config.load();
  await assert.rejects(config.load(), /already called/);
  assert.throws(() => config.watch("a", 5 as never), /observer must be a function/);
  await config.close();
  assert.throws(() => config.value("a"), /already closed/);
  assert.throws(() => memory([] as never), isCode("usage"));
});
