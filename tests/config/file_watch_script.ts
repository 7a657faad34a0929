// Run by runtime_test.ts under Node and Bun: loads a YAML file through the file source, saves a
// change atomically, and prints what the watch delivered. Exits non-zero on any failure.
import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import process from "node:process";
import { createConfig, file } from "../../config/mod.ts";

const dir = await mkdtemp(`${tmpdir()}/atreus-config-rt-`);
const timer = setTimeout(() => {
  console.error("timed out waiting for the watch");
  process.exit(2);
}, 10_000);
try {
  await writeFile(`${dir}/config.yml`, "log:\n  level: info\n");
  const config = createConfig({ sources: [file(dir, { debounceMs: 20 })] });
  await config.load();
  const changed = new Promise<string>((resolve) =>
    config.watch("log.level", (v) => resolve(v.string()))
  );
  await writeFile(`${dir}/.tmp`, "log:\n  level: debug\n");
  await rename(`${dir}/.tmp`, `${dir}/config.yml`);
  console.log(`loaded info, watched ${await changed}`);
  await config.close();
} finally {
  clearTimeout(timer);
  await rm(dir, { recursive: true, force: true });
}
