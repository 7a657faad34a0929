// CPU time a process has used, from /proc (Linux). Server CPU per answered request is the
// steadiest measure on a shared or virtualised machine: wall-clock throughput moves with steal
// and neighbours, while the time the server itself spent per request barely does.

let ticksPerSecond: number | undefined;

async function clockTicks(): Promise<number> {
  if (ticksPerSecond !== undefined) return ticksPerSecond;
  try {
    const out = await new Deno.Command("getconf", { args: ["CLK_TCK"], stdout: "piped" }).output();
    const n = Number(new TextDecoder().decode(out.stdout).trim());
    ticksPerSecond = Number.isFinite(n) && n > 0 ? n : 100;
  } catch {
    ticksPerSecond = 100;
  }
  return ticksPerSecond;
}

/**
 * The fields of /proc/<pid>/stat after the command name (field 3, the state, comes first), or
 * undefined once the process is gone from /proc.
 */
export async function procStat(pid: number): Promise<string[] | undefined> {
  let stat: string;
  try {
    stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: the fields start after its
  // last closing parenthesis.
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** User + system CPU time of `pid` (all its threads) in ms, or undefined without /proc. */
export async function processCpuMs(pid: number): Promise<number | undefined> {
  const rest = await procStat(pid);
  if (rest === undefined) return undefined;
  // utime (field 14) and stime (15) are the 12th and 13th after the command name.
  const ticks = Number(rest[11]) + Number(rest[12]);
  if (!Number.isFinite(ticks)) return undefined;
  return ticks * 1000 / await clockTicks();
}

/**
 * CPU time a live process has used so far (its live threads, user and system), in ms at
 * nanosecond resolution from /proc/<pid>/task/<tid>/schedstat; NaN where /proc is missing.
 * Fine enough for a start-up of a few hundred ms, which clock ticks are too coarse for.
 */
export function cpuMs(pid: number): number {
  let ns = 0;
  try {
    for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(
          Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/schedstat`).split(" ")[0],
        );
      } catch { /* the thread ended meanwhile */ }
    }
  } catch {
    return NaN;
  }
  return ns / 1e6;
}
