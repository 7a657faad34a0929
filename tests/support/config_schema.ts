// A tiny hand-written Standard-Schema validator for the tests (what zod or valibot provide).
import type { StandardIssue, StandardResult, StandardSchema } from "../../config/mod.ts";

/** The typed HTTP server settings the test schema produces. */
export interface Http {
  addr: string;
  timeoutMs: number;
}

/** Validates `{ addr: string, timeout: "<n>s" | "<n>ms" }` into {@linkcode Http}. */
export function httpSchema(options: { async?: boolean } = {}): StandardSchema<Http> {
  const validate = (v: unknown): StandardResult<Http> => {
    const issues: StandardIssue[] = [];
    const o = (typeof v === "object" && v !== null ? v : {}) as Record<string, unknown>;
    if (typeof v !== "object" || v === null) issues.push({ message: "expected an object" });
    if (typeof o.addr !== "string" || !/^[\w.-]*:\d+$/.test(o.addr)) {
      issues.push({ message: "expected host:port", path: ["addr"] });
    }
    const m = typeof o.timeout === "string" ? /^(\d+)(ms|s)$/.exec(o.timeout) : null;
    if (!m) issues.push({ message: "expected a timeout like 1s", path: [{ key: "timeout" }] });
    if (issues.length > 0) return { issues };
    return {
      value: {
        addr: o.addr as string,
        timeoutMs: Number(m![1]) * (m![2] === "s" ? 1000 : 1),
      },
    };
  };
  return {
    "~standard": {
      version: 1,
      vendor: "atreus-test",
      validate: options.async ? (v) => Promise.resolve().then(() => validate(v)) : validate,
    },
  };
}
