// A project made by `atreus new` against this checkout (as tests/cmd/atreus_new_test.ts makes
// one), generated once per bench run in a temporary directory: `atreus new`, then `atreus gen`.
// Deno reads its deno.json import map; for Bun and Node, node_modules gets what a package
// manager would put there — @atreus/atreus (a package.json with the checkout's exports, linking
// to its files) and links to the npm packages the generated code imports.
import { ROOT } from "./runtime.ts";

/** The generated project. */
export interface Scaffold {
  /** Its directory. */
  readonly dir: string;
  /** Its main.ts. */
  readonly main: string;
  /** The RPC path of its unary SayHello. */
  readonly sayHello: string;
  /** Environment that puts its HTTP server on `port` and turns its gRPC server off. */
  env(port: number): Record<string, string>;
  /** Removes it. */
  remove(): Promise<void>;
}

const NAME = "bench_svc";

async function atreus(args: string[], cwd: string): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}cmd/atreus/main.ts`, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(180_000),
  }).output();
  if (!out.success) {
    throw new Error(
      `atreus ${args.join(" ")} failed:\n${new TextDecoder().decode(out.stdout)}${
        new TextDecoder().decode(out.stderr)
      }`,
    );
  }
}

/** Generates the project; throws with the CLI's output when a step fails. */
export async function makeScaffold(): Promise<Scaffold> {
  const tmp = await Deno.makeTempDir({ prefix: "atreus-bench-new-" });
  const dir = `${tmp}/${NAME}`;
  try {
    await atreus(["new", NAME, "--atreus", ROOT.replace(/\/$/, "")], tmp);
    await atreus(["gen", "--dir", dir], tmp);
    await linkNodeModules(dir);
  } catch (error) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw error;
  }
  const upper = NAME.toUpperCase();
  return {
    dir,
    main: `${dir}/main.ts`,
    sayHello: "/bench_svc.v1.BenchSvc/SayHello",
    env: (port) => ({
      [`${upper}__SERVER__HTTP__ADDR`]: `127.0.0.1:${port}`,
      [`${upper}__SERVER__GRPC__ADDR`]: "",
    }),
    remove: () => Deno.remove(tmp, { recursive: true }),
  };
}

async function linkNodeModules(dir: string): Promise<void> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)) as {
    exports: Record<string, string>;
  };
  const pkg = `${dir}/node_modules/@atreus/atreus`;
  await Deno.mkdir(pkg, { recursive: true });
  await Deno.writeTextFile(
    `${pkg}/package.json`,
    JSON.stringify({ name: "@atreus/atreus", type: "module", exports: config.exports }, null, 2),
  );
  // The checkout's files, linked: their own imports then resolve from the checkout, as they do
  // when it runs itself (a link's real path is outside node_modules, where Node strips types).
  for await (const entry of Deno.readDir(ROOT)) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    await Deno.symlink(`${ROOT}${entry.name}`, `${pkg}/${entry.name}`);
  }
  for (const scope of ["@bufbuild", "@connectrpc"]) {
    await Deno.symlink(`${ROOT}node_modules/${scope}`, `${dir}/node_modules/${scope}`);
  }
}
