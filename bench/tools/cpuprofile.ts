// Records a V8 CPU profile of a Deno script through the inspector protocol (Deno has no
// --cpu-prof): deno run -A bench/tools/cpuprofile.ts out.cpuprofile -- <script> [args...]
const [out, sep, ...cmd] = Deno.args;
if (!out || sep !== "--" || cmd.length === 0) {
  console.error("usage: cpuprofile.ts <out.cpuprofile> -- <script.ts> [args]");
  Deno.exit(2);
}
const port = 9300 + Math.floor(Math.random() * 500);
const child = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", `--inspect-wait=127.0.0.1:${port}`, ...cmd],
  stdout: "inherit",
  stderr: "piped",
}).spawn();
const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
let ws = "";
while (!ws) {
  const { value, done } = await reader.read();
  if (done) throw new Error("inspector did not start");
  const m = value.match(/ws:\/\/[^\s]+/);
  if (m) ws = m[0];
}
// The script's own stderr (e.g. the port a bench server prints) is passed on.
(async () => {
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    if (!value.includes("Debugger") && !value.includes("inspector")) {
      await Deno.stderr.write(new TextEncoder().encode(value));
    }
  }
})();
const socket = new WebSocket(ws);
await new Promise((r) => (socket.onopen = r));
let id = 0;
const pending = new Map<number, (v: unknown) => void>();
socket.onmessage = (e) => {
  const msg = JSON.parse(e.data);
  if (msg.id && pending.has(msg.id)) {
    pending.get(msg.id)!(msg.result);
    pending.delete(msg.id);
  }
};
const send = (method: string, params: Record<string, unknown> = {}) =>
  new Promise((resolve) => {
    pending.set(++id, resolve);
    socket.send(JSON.stringify({ id, method, params }));
  });
await send("Profiler.enable");
await send("Profiler.setSamplingInterval", { interval: 100 });
await send("Profiler.start");
await send("Runtime.runIfWaitingForDebugger");
// The script signals the end by printing; we stop when it exits its work (the inspector keeps
// the process alive until we detach).
await new Promise((r) => setTimeout(r, Number(Deno.env.get("PROFILE_MS") ?? 8000)));
const result = await send("Profiler.stop") as { profile: unknown };
await Deno.writeTextFile(out, JSON.stringify(result.profile));
socket.close();
child.kill("SIGKILL");
await child.status;
console.error(`wrote ${out}`);
