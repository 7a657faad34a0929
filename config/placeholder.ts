// `${KEY}` and `${KEY:default}` placeholders: the parser, its inverse, and the resolver that
// replaces them in every string leaf against the merged config (Kratos semantics, except that
// a missing key without a default is an error instead of "").
import { ConfigError } from "./errors.ts";
import { describePath, getAt, isPlainObject, splitKey, type Tree } from "./path.ts";

/** A placeholder in a template: the key it refers to and its raw default text, if any. */
export interface Placeholder {
  /** Dotted key looked up in the merged config. */
  readonly key: string;
  /** Text after the first `:`, itself a template; absent when there is no `:`. */
  readonly default?: string;
}

/** A parsed string: literal text and placeholders in order. */
export type TemplatePart = string | Placeholder;

const KEY = /^[A-Za-z0-9_\-.[\]]+$/;

/** True when the string needs parsing (contains a placeholder or an escape). */
export function hasPlaceholder(s: string): boolean {
  return s.includes("${");
}

/**
 * Parses a template. `$${` is an escaped literal `${`; defaults may nest placeholders
 * (`${A:${B:x}}`). Throws a `placeholder` ConfigError on an unterminated or empty placeholder.
 */
export function parseTemplate(s: string, where = "(value)"): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let text = "";
  let i = 0;
  while (i < s.length) {
    if (s.startsWith("$${", i)) {
      text += "${";
      i += 3;
    } else if (s.startsWith("${", i)) {
      const end = closingBrace(s, i + 2);
      if (end < 0) {
        throw new ConfigError("placeholder", `unterminated placeholder in ${where}: "${s}"`, {
          key: where,
        });
      }
      const inner = s.slice(i + 2, end);
      const colon = inner.indexOf(":");
      const key = colon < 0 ? inner : inner.slice(0, colon);
      if (!KEY.test(key)) {
        throw new ConfigError(
          "placeholder",
          `invalid placeholder "\${${inner}}" in ${where}: the key must be a dotted path`,
          { key: where },
        );
      }
      try {
        splitKey(key);
      } catch (error) {
        // A malformed key is the config's fault, not the caller's: a placeholder error.
        throw new ConfigError(
          "placeholder",
          `invalid placeholder "\${${inner}}" in ${where}: ${(error as Error).message}`,
          { key: where, cause: error },
        );
      }
      if (text !== "") parts.push(text);
      text = "";
      parts.push(colon < 0 ? { key } : { key, default: inner.slice(colon + 1) });
      i = end + 1;
    } else {
      text += s[i];
      i++;
    }
  }
  if (text !== "") parts.push(text);
  return parts;
}

function closingBrace(s: string, from: number): number {
  let depth = 1;
  let j = from;
  while (j < s.length) {
    if (s.startsWith("$${", j)) j += 3;
    else if (s.startsWith("${", j)) {
      depth++;
      j += 2;
    } else if (s[j] === "}") {
      if (--depth === 0) return j;
      j++;
    } else j++;
  }
  return -1;
}

/** Prints parts back to a template (the inverse of {@linkcode parseTemplate}). */
export function printTemplate(parts: readonly TemplatePart[]): string {
  return parts.map((p) =>
    typeof p === "string"
      ? p.replaceAll("${", () => "$${")
      : `\${${p.key}${p.default === undefined ? "" : `:${p.default}`}}`
  ).join("");
}

/** Every key a template refers to, including those inside defaults. */
export function placeholderKeys(s: string): string[] {
  const keys: string[] = [];
  for (const p of parseTemplate(s)) {
    if (typeof p === "string") continue;
    keys.push(p.key);
    if (p.default !== undefined) keys.push(...placeholderKeys(p.default));
  }
  return keys;
}

/** A default used as a whole string keeps a boolean or canonical number type. */
function typedLiteral(s: string): unknown {
  if (s === "true") return true;
  if (s === "false") return false;
  if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(s) && String(Number(s)) === s) return Number(s);
  return s;
}

/** Resolves every placeholder of a merged tree; throws a `placeholder` ConfigError. */
export function resolveTree(raw: Tree): Tree {
  return new Resolver(raw).node(raw, []) as Tree;
}

class Resolver {
  readonly #raw: Tree;
  readonly #done = new Map<string, unknown>();
  readonly #active: string[] = [];

  constructor(raw: Tree) {
    this.#raw = raw;
  }

  node(v: unknown, path: (string | number)[]): unknown {
    if (typeof v === "string") return this.#leaf(v, path);
    if (Array.isArray(v)) return v.map((x, i) => this.node(x, [...path, i]));
    if (isPlainObject(v)) {
      const out: Tree = {};
      for (const [k, x] of Object.entries(v)) out[k] = this.node(x, [...path, k]);
      return out;
    }
    return v;
  }

  #leaf(s: string, path: (string | number)[]): unknown {
    if (!hasPlaceholder(s)) return s;
    const id = path.join(".");
    if (this.#done.has(id)) return this.#done.get(id);
    if (this.#active.includes(id)) {
      const chain = [...this.#active.slice(this.#active.indexOf(id)), id].map((k) => k || "(root)");
      throw new ConfigError("placeholder", `placeholder cycle: ${chain.join(" → ")}`, {
        key: describePath(path),
      });
    }
    this.#active.push(id);
    try {
      const out = this.#template(s, describePath(path));
      this.#done.set(id, out);
      return out;
    } finally {
      this.#active.pop();
    }
  }

  #template(s: string, where: string): unknown {
    const parts = parseTemplate(s, where);
    if (parts.length === 1 && typeof parts[0] !== "string") {
      return this.#lookup(parts[0], where, true);
    }
    let out = "";
    for (const p of parts) {
      if (typeof p === "string") {
        out += p;
        continue;
      }
      const v = this.#lookup(p, where, false);
      if (typeof v === "object" && v !== null) {
        throw new ConfigError(
          "placeholder",
          `placeholder \${${p.key}} in ${where}: ${p.key} is an ${
            Array.isArray(v) ? "array" : "object"
          }; only a placeholder that is the whole string can take one`,
          { key: where },
        );
      }
      out += String(v);
    }
    return out;
  }

  #lookup(p: Placeholder, where: string, whole: boolean): unknown {
    const segments = splitKey(p.key);
    const found = getAt(this.#raw, segments);
    if (found !== undefined && found !== null) {
      return this.node(found, [...segments]);
    }
    if (p.default === undefined) {
      throw new ConfigError(
        "placeholder",
        `unresolved placeholder \${${p.key}} in ${where}: ${p.key} is not set and has no default`,
        { key: where },
      );
    }
    const d = this.#template(p.default, where);
    return whole && typeof d === "string" ? typedLiteral(d) : d;
  }
}
