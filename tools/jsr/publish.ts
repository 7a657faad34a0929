// Publishing goes through `deno publish` itself, pointed at the local registry: Deno collects
// the files, unfurls bare specifiers to the import map's npm:/jsr: targets, checks slow types
// and uploads the tarball, so what the registry serves is what JSR would receive.

/** Options of {@linkcode publishPackage}. */
export interface PublishOptions {
  /** The registry's URL (becomes JSR_URL; Deno calls `${url}api/`). */
  readonly registryUrl: string;
  /** Bearer token the registry accepts. */
  readonly token: string;
  /** DENO_DIR to use, e.g. a fresh one for a cold run. */
  readonly denoDir?: string;
  /** Bound on the whole publish (default 180 s). */
  readonly timeoutMs?: number;
}

/** What `deno publish` printed. */
export interface PublishOutput {
  /** Its output, stdout and stderr. */
  readonly output: string;
}

/** Runs `deno publish` in `dir` against the registry; throws with Deno's output on failure. */
export async function publishPackage(dir: string, options: PublishOptions): Promise<PublishOutput> {
  const env: Record<string, string> = { JSR_URL: options.registryUrl, NO_COLOR: "1" };
  if (options.denoDir !== undefined) env.DENO_DIR = options.denoDir;
  const out = await new Deno.Command(Deno.execPath(), {
    // --allow-dirty: a worktree or an edited checkout publishes as it is, as in a release dry
    // run; --no-provenance: there is no sigstore to sign with.
    args: ["publish", "--token", options.token, "--no-provenance", "--allow-dirty"],
    cwd: dir,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(options.timeoutMs ?? 180_000),
  }).output();
  const output = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`deno publish failed (exit ${out.code}):\n${output}`);
  return { output };
}
