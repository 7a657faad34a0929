// Child processes for tests: spawn, wait for a line (bounded), signal, and collect output.

/** A running child process with line-oriented output capture. */
export class Child {
  readonly #child: Deno.ChildProcess;
  readonly #lines: string[] = [];
  readonly #waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  readonly #done: Promise<Deno.CommandStatus>;
  #exitCode: number | undefined;
  #writes: Promise<void> = Promise.resolve();
  readonly name: string;

  constructor(name: string, cmd: string, args: string[], options: Deno.CommandOptions = {}) {
    this.name = name;
    this.#child = new Deno.Command(cmd, {
      args,
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
      ...options,
    }).spawn();
    const pumps = [this.#pump(this.#child.stdout), this.#pump(this.#child.stderr)];
    this.#done = this.#child.status.then(async (s) => {
      this.#exitCode = s.code;
      await Promise.all(pumps);
      return s;
    });
  }

  /** Exit code once the process exited, else `undefined`. */
  get exitCode(): number | undefined {
    return this.#exitCode;
  }

  /**
   * Writes to the child's stdin (spawn it with `{ stdin: "piped" }`); concurrent writes are
   * queued, so each text arrives whole.
   */
  write(text: string): Promise<void> {
    const write = this.#writes.then(async () => {
      const writer = this.#child.stdin.getWriter();
      try {
        await writer.write(new TextEncoder().encode(text));
      } finally {
        writer.releaseLock();
      }
    });
    this.#writes = write.catch(() => {});
    return write;
  }

  /** Process id. */
  get pid(): number {
    return this.#child.pid;
  }

  /** Everything printed so far (stdout and stderr interleaved by line). */
  get output(): string {
    return this.#lines.join("\n");
  }

  async #pump(stream: ReadableStream<Uint8Array<ArrayBuffer>>) {
    let buf = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      buf += chunk;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        this.#line(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    }
    if (buf) this.#line(buf);
  }

  #line(line: string) {
    this.#lines.push(line);
    for (const w of [...this.#waiters]) {
      const m = line.match(w.re);
      if (m) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  }

  /** Resolves with the first output line matching `re`; rejects after `timeoutMs` or on exit. */
  waitFor(re: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    for (const line of this.#lines) {
      const m = line.match(re);
      if (m) return Promise.resolve(m);
    }
    return new Promise((resolve, reject) => {
      const waiter = { re, resolve: (m: RegExpMatchArray) => finish(() => resolve(m)) };
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(
              new Error(
                `${this.name}: no line matching ${re} within ${timeoutMs} ms\n${this.output}`,
              ),
            )
          ),
        timeoutMs,
      );
      const exited = this.#done.then((s) =>
        finish(() =>
          reject(new Error(`${this.name} exited (${s.code}) before ${re}\n${this.output}`))
        )
      );
      const finish = (f: () => void) => {
        clearTimeout(timer);
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        void exited;
        f();
      };
      this.#waiters.push(waiter);
    });
  }

  /** Sends a signal (ignores an already exited process). */
  kill(signal: Deno.Signal = "SIGTERM"): void {
    try {
      this.#child.kill(signal);
    } catch {
      // already exited
    }
  }

  /** Resolves with the exit status; rejects after `timeoutMs`. */
  async exited(timeoutMs = 20_000): Promise<Deno.CommandStatus> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${this.name} did not exit within ${timeoutMs} ms\n${this.output}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.#done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills the process (SIGKILL after a grace period) and waits for it. */
  async close(): Promise<void> {
    this.kill("SIGTERM");
    try {
      await this.exited(5_000);
    } catch {
      this.kill("SIGKILL");
      await this.#done;
    }
  }
}

/** Runs a command to completion and returns its output; rejects after `timeoutMs`. */
export async function run(
  cmd: string,
  args: string[],
  options: Deno.CommandOptions & { timeoutMs?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { timeoutMs = 30_000, ...rest } = options;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const out = await new Deno.Command(cmd, {
      args,
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
      signal: controller.signal,
      ...rest,
    }).output();
    return {
      code: out.code,
      stdout: new TextDecoder().decode(out.stdout),
      stderr: new TextDecoder().decode(out.stderr),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** A free TCP port on 127.0.0.1 (for tools that cannot report the port they bound). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}
