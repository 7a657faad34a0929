// printf-style formatting for the Helper's `…f` methods, with Node's util.format verbs
// (%s %d %i %f %j %o %O %c %%) so it behaves the same on every runtime.
import { safeJson, text } from "./format.ts";

/** Formats `format` with `args`; unused args are appended, space-separated. */
export function sprintf(format: string, ...args: unknown[]): string {
  let next = 0;
  let out = String(format).replace(/%([sdifjoOc%])/g, (verb, kind: string) => {
    if (kind === "%") return "%";
    if (next >= args.length) return verb;
    const arg = args[next++];
    switch (kind) {
      case "s":
        return text(arg);
      case "d":
        return typeof arg === "bigint" ? `${arg}` : String(Number(arg));
      case "i":
        return typeof arg === "bigint" ? `${arg}` : String(Number.parseInt(String(arg), 10));
      case "f":
        return String(Number.parseFloat(String(arg)));
      case "c":
        return "";
      default:
        return safeJson(arg);
    }
  });
  for (; next < args.length; next++) out += " " + text(args[next]);
  return out;
}

/** Joins values with spaces, strings as they are (the Helper's plain methods). */
export function sprint(...args: unknown[]): string {
  return args.map(text).join(" ");
}
