// Exact logfmt and JSON lines for every kind of value, through a real writer.
import assert from "node:assert/strict";
import {
  createLogger,
  filter,
  formatJson,
  formatLogfmt,
  getLogger,
  type Level,
  type Logger,
  logRecord,
  setLogger,
  with as withKeyvals,
} from "../../log/mod.ts";

const cycle: Record<string, unknown> = { name: "loop" };
cycle.self = cycle;

// [key/values, logfmt, JSON]
const cases: [unknown[], string, string][] = [
  [["msg", "hello"], "level=INFO msg=hello", '{"level":"INFO","msg":"hello"}'],
  [
    ["msg", "hello world", "n", 42],
    'level=INFO msg="hello world" n=42',
    '{"level":"INFO","msg":"hello world","n":42}',
  ],
  [["q", 'say "hi"'], 'level=INFO q="say \\"hi\\""', '{"level":"INFO","q":"say \\"hi\\""}'],
  [["eq", "a=b"], 'level=INFO eq="a=b"', '{"level":"INFO","eq":"a=b"}'],
  [["nl", "a\nb\tc"], 'level=INFO nl="a\\nb\\tc"', '{"level":"INFO","nl":"a\\nb\\tc"}'],
  [["bs", "C:\\dir"], "level=INFO bs=C:\\dir", '{"level":"INFO","bs":"C:\\\\dir"}'],
  [["empty", ""], 'level=INFO empty=""', '{"level":"INFO","empty":""}'],
  [["utf", "héllo→"], "level=INFO utf=héllo→", '{"level":"INFO","utf":"héllo→"}'],
  [
    ["t", true, "f", 1.5, "neg", -0.25],
    "level=INFO t=true f=1.5 neg=-0.25",
    '{"level":"INFO","t":true,"f":1.5,"neg":-0.25}',
  ],
  [
    ["nan", Number.NaN, "inf", Infinity],
    "level=INFO nan=NaN inf=Infinity",
    '{"level":"INFO","nan":"NaN","inf":"Infinity"}',
  ],
  [
    ["big", 12345678901234567890n],
    "level=INFO big=12345678901234567890",
    '{"level":"INFO","big":"12345678901234567890"}',
  ],
  [
    ["n", null, "u", undefined],
    "level=INFO n=null u=undefined",
    '{"level":"INFO","n":null,"u":null}',
  ],
  [
    ["obj", { a: 1, b: [true, "x y"] }],
    'level=INFO obj="{\\"a\\":1,\\"b\\":[true,\\"x y\\"]}"',
    '{"level":"INFO","obj":{"a":1,"b":[true,"x y"]}}',
  ],
  [
    ["cyc", cycle],
    'level=INFO cyc="{\\"name\\":\\"loop\\",\\"self\\":\\"[repeated]\\"}"',
    '{"level":"INFO","cyc":{"name":"loop","self":"[repeated]"}}',
  ],
  [
    ["map", new Map([["k", 1]]), "set", new Set([1, 2])],
    'level=INFO map="{\\"k\\":1}" set=[1,2]',
    '{"level":"INFO","map":{"k":1},"set":[1,2]}',
  ],
  [
    ["err", new TypeError("bad thing")],
    'level=INFO err="TypeError: bad thing"',
    '{"level":"INFO","err":"TypeError: bad thing"}',
  ],
  [
    ["at", new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6))],
    "level=INFO at=2024-01-02T03:04:05.006Z",
    '{"level":"INFO","at":"2024-01-02T03:04:05.006Z"}',
  ],
  [
    ["fn", function named() {}],
    'level=INFO fn="[function named]"',
    '{"level":"INFO","fn":"[function named]"}',
  ],
  [["sym", Symbol("s")], "level=INFO sym=Symbol(s)", '{"level":"INFO","sym":"Symbol(s)"}'],
  // Odd count: Kratos's marker value.
  [
    ["msg", "x", "dangling"],
    'level=INFO msg=x dangling="KEYVALS UNPAIRED"',
    '{"level":"INFO","msg":"x","dangling":"KEYVALS UNPAIRED"}',
  ],
  // Keys: non-strings printed; characters logfmt cannot carry replaced.
  [
    [7, "seven", "a key", 1, "", 2],
    "level=INFO 7=seven a_key=1 _=2",
    '{"level":"INFO","7":"seven","a key":1,"":2}',
  ],
  // Duplicates stay, in order.
  [["k", 1, "k", 2], "level=INFO k=1 k=2", '{"level":"INFO","k":1,"k":2}'],
];

Deno.test("logfmt and JSON encode every kind of value exactly", () => {
  // Twice: the second pass goes through the encoder's remembered keys.
  for (let pass = 0; pass < 2; pass++) {
    for (const [keyvals, logfmt, json] of cases) {
      assert.equal(formatLogfmt("info", keyvals), logfmt, logfmt);
      assert.equal(formatJson("info", keyvals), json, json);
      JSON.parse(json);
    }
  }
});

Deno.test("logRecord writes the same line as log, through any chain of loggers", async () => {
  const lines: string[] = [];
  const writer = createLogger({ sink: (l) => void lines.push(l) });
  const chained = filter(withKeyvals(writer, "app", "x"), { keys: ["secret"] });
  // A logger from outside the package: only its log method exists.
  const foreign: Logger = { log: (level, ...kv) => writer.log(level, "foreign", true, ...kv) };
  for (const logger of [writer, chained, foreign, getLogger()]) {
    if (logger === getLogger()) setLogger(chained);
    logger.log("warn", "msg", "a b", "secret", "s", "n", 1);
    logRecord(logger, "warn", ["msg", "a b", "secret", "s", "n", 1]);
  }
  await writer.flush();
  const expected = [
    'level=WARN msg="a b" secret=s n=1',
    'level=WARN app=x msg="a b" secret=*** n=1',
    'level=WARN foreign=true msg="a b" secret=s n=1',
    'level=WARN app=x msg="a b" secret=*** n=1',
  ];
  assert.deepEqual(lines, expected.flatMap((l) => [l, l]));
});

Deno.test("writers put the level first in upper case and write one line per record", async () => {
  for (const format of ["logfmt", "json"] as const) {
    const lines: string[] = [];
    const logger = createLogger({ format, sink: (l) => void lines.push(l) });
    const levels: Level[] = ["debug", "info", "warn", "error", "fatal"];
    for (const level of levels) logger.log(level, "msg", level);
    logger.log("info"); // no key/values: skipped, as in Kratos
    await logger.flush();
    const want = levels.map((l) =>
      format === "json"
        ? `{"level":"${l.toUpperCase()}","msg":"${l}"}`
        : `level=${l.toUpperCase()} msg=${l}`
    );
    assert.deepEqual(lines, want, format);
  }
});

Deno.test("a custom formatter is used, and one that throws costs only its line", async () => {
  const lines: string[] = [];
  const errors: unknown[] = [];
  const logger = createLogger({
    format: (level, kv) => {
      if (kv[1] === "boom") throw new Error("cannot format");
      return `${level}|${kv.join(",")}`;
    },
    sink: (l) => void lines.push(l),
    onError: (e) => errors.push(e),
  });
  logger.log("warn", "msg", "boom");
  logger.log("warn", "msg", "ok");
  await logger.flush();
  assert.deepEqual(lines, ["warn|msg,ok"]);
  assert.equal(errors.length, 1);
  assert.equal(logger.stats().failed, 1);
});

Deno.test("logfmt quotes values and mends keys for exactly the characters that end a token", () => {
  // deno-lint-ignore no-control-regex
  const special = /[\u0000-\u0020"=\u007f]/;
  for (let c = 0; c < 0x10000; c++) {
    const s = `a${String.fromCharCode(c)}b`;
    const hit = special.test(s);
    const line = formatLogfmt("info", [s, s]);
    assert.equal(line.includes(` ${hit ? "a_b" : s}=`), true, `key U+${c.toString(16)}`);
    assert.equal(
      line.endsWith(`=${hit ? JSON.stringify(s) : s}`),
      true,
      `value U+${c.toString(16)}`,
    );
  }
});

Deno.test("logfmt lines are the same whatever was formatted before them (remembered segments)", () => {
  // The formatter remembers each key's last value and segment; a reference without that memory
  // must write every line alike, for values that repeat, change, or are objects changed in place.
  // deno-lint-ignore no-control-regex
  const special = /[\u0000-\u0020"=\u007f]/;
  // deno-lint-ignore no-control-regex
  const specialAll = /[\u0000-\u0020"=\u007f]/g;
  const reference = (kv: readonly unknown[]) => {
    let line = "level=INFO";
    for (let i = 0; i < kv.length; i += 2) {
      const k = String(kv[i]);
      const v = kv[i + 1];
      const t = typeof v === "string"
        ? v
        : typeof v === "object" && v !== null
        ? JSON.stringify(v)
        : String(v);
      const quote = typeof v !== "number" && (t === "" || special.test(t));
      line += ` ${k === "" ? "_" : k.replace(specialAll, "_")}=${quote ? JSON.stringify(t) : t}`;
    }
    return line;
  };
  const counter = { n: 0 };
  const long = "x".repeat(300);
  const values = [
    "a",
    "a b",
    "",
    'q"',
    0,
    -0,
    1.5,
    Number.NaN,
    Infinity,
    true,
    false,
    counter,
    long,
    `${long}y`,
  ];
  const keys = ["msg", "k", "a b", "", "n=1"];
  let seed = 7;
  const pick = <T>(xs: readonly T[]) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return xs[seed % xs.length];
  };
  for (let i = 0; i < 5000; i++) {
    const kv: unknown[] = [];
    for (let j = 0, n = 1 + (i % 4); j < n; j++) kv.push(pick(keys), pick(values));
    if (i % 7 === 0) counter.n++;
    assert.equal(formatLogfmt("info", kv), reference(kv), JSON.stringify(kv));
  }
});
