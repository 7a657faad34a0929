// Log levels, ordered as Kratos orders them (debug < info < warn < error < fatal).

/** Severity of a log record. */
export type Level = "debug" | "info" | "warn" | "error" | "fatal";

/** Every level, least severe first. */
export const levels: readonly Level[] = Object.freeze(["debug", "info", "warn", "error", "fatal"]);

/** Key under which writers put the level. */
export const levelKey = "level";

const rank: Readonly<Record<string, number>> = { debug: 0, info: 1, warn: 2, error: 3, fatal: 4 };

/** Whether a record at `level` passes a `minimum` level. */
export function levelEnabled(level: Level, minimum: Level): boolean {
  // A level string from untyped code ranks as an error: kept rather than silently dropped.
  return (rank[level] ?? rank.error) >= rank[minimum];
}

/**
 * Parses a level name, case-insensitively (`"WARN"`, `"warning"`, `"info"`, …). Unlike Kratos,
 * which falls back to info, an unknown name throws a `RangeError`, so a typo in config is seen.
 */
export function parseLevel(name: string): Level {
  const lower = String(name).trim().toLowerCase();
  const level = lower === "warning" ? "warn" : lower;
  if (Object.hasOwn(rank, level)) return level as Level;
  throw new RangeError(`log: unknown level "${name}" (want one of ${levels.join(", ")})`);
}

/** The level's name as writers print it: `DEBUG`, `INFO`, `WARN`, `ERROR`, `FATAL`. */
export function levelName(level: Level): string {
  return names[level] ?? String(level).toUpperCase();
}

const names: Readonly<Record<string, string>> = {
  debug: "DEBUG",
  info: "INFO",
  warn: "WARN",
  error: "ERROR",
  fatal: "FATAL",
};
