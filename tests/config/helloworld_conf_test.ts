// helloworld's configs/config.yaml scanned into conf.Bootstrap through internal/conf/load.ts,
// with nested env overrides and a live log-level change.
import assert from "node:assert/strict";
import { durationMs } from "@bufbuild/protobuf/wkt";
import type { ConfigError } from "../../config/mod.ts";
import { loadConfig } from "../../examples/helloworld/internal/conf/load.ts";
import { type Log, LogLevel, LogSchema } from "../../examples/helloworld/gen/conf/conf_pb.ts";
import { root } from "../support/tools.ts";
import { Events, recordingLogger } from "../support/config.ts";

Deno.test("helloworld config scans into Bootstrap", async () => {
  const { bootstrap, config } = await loadConfig({ vars: {} });
  try {
    assert.equal(bootstrap.server?.http?.addr, "0.0.0.0:8000");
    assert.equal(durationMs(bootstrap.server!.http!.timeout!), 1000);
    assert.equal(bootstrap.server?.grpc?.addr, "0.0.0.0:9000");
    assert.equal(durationMs(bootstrap.server!.grpc!.timeout!), 1000);
    assert.equal(bootstrap.data?.database?.driver, "sqlite");
    assert.equal(bootstrap.data?.database?.source, "file:helloworld.db");
    assert.equal(bootstrap.log?.level, LogLevel.INFO);
    assert.equal(
      config.explain("server.http.addr")?.location,
      `${root}examples/helloworld/configs/config.yaml`,
    );
  } finally {
    await config.close();
  }
});

Deno.test("helloworld config takes nested and flat HELLOWORLD_ env overrides", async () => {
  const logger = recordingLogger();
  const { bootstrap, config } = await loadConfig({
    logger,
    vars: {
      HELLOWORLD__SERVER__HTTP__ADDR: "127.0.0.1:8080",
      HELLOWORLD__SERVER__GRPC__TIMEOUT: "250ms",
      HELLOWORLD__LOG__LEVEL: "DEBUG",
      HELLOWORLD_DATABASE_URL: "postgres://db/hello",
      UNRELATED__SERVER__HTTP__ADDR: "ignored",
    },
  });
  try {
    assert.equal(bootstrap.server?.http?.addr, "127.0.0.1:8080");
    assert.equal(durationMs(bootstrap.server!.grpc!.timeout!), 250);
    assert.equal(bootstrap.log?.level, LogLevel.DEBUG);
    assert.equal(bootstrap.data?.database?.source, "postgres://db/hello");
    assert.equal(config.explain("server.http.addr")?.location, "HELLOWORLD__SERVER__HTTP__ADDR");
    assert.deepEqual(logger.messages, [], "flat placeholder inputs are not unknown fields");
  } finally {
    await config.close();
  }
});

Deno.test("helloworld log level follows edits; a bad level is rejected", async () => {
  const dir = await Deno.makeTempDir({ prefix: "atreus-helloworld-" });
  const path = `${dir}/config.yaml`;
  const original = await Deno.readTextFile(`${root}examples/helloworld/configs/config.yaml`);
  const save = async (text: string) => {
    await Deno.writeTextFile(`${dir}/.tmp`, text);
    await Deno.rename(`${dir}/.tmp`, path);
  };
  await Deno.writeTextFile(path, original);
  const errors = new Events<ConfigError>();
  const { config } = await loadConfig({
    path: dir,
    vars: {},
    onError: errors.push,
    logger: recordingLogger(),
  });
  try {
    const levels = new Events<LogLevel>();
    const log = await config.subscribe("log", LogSchema, (l: Log) => levels.push(l.level));
    assert.equal(log.current.level, LogLevel.INFO);

    await save(original.replace("level: info", "level: warn"));
    assert.equal(await levels.take("live level"), LogLevel.WARN);

    await save(original.replace("level: info", "level: loud"));
    const e = await errors.take("rejected level");
    assert.equal(e.code, "validation");
    assert.match(e.message, /level: "loud" is not a value of conf\.LogLevel/);
    assert.equal(log.current.level, LogLevel.WARN);
    assert.equal(config.value("log.level").string(), "warn");
  } finally {
    await config.close();
    await Deno.remove(dir, { recursive: true });
  }
});
