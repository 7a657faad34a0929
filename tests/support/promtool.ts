// Prometheus's own linter (`promtool check metrics`, Debian package prometheus) on an exposition.

/** Runs `promtool check metrics` on `text`: its exit code and what it printed. */
export async function promtool(text: string): Promise<{ code: number; output: string }> {
  const child = new Deno.Command("promtool", {
    args: ["check", "metrics"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(30_000),
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const out = await child.output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, output: (decode(out.stdout) + decode(out.stderr)).trim() };
}
