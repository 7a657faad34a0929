// google.api.http path templates: parsing, and compiling to a Hono route pattern whose named
// parameters carry the template's variables.
//
//   Template = "/" Segments [ Verb ] ;
//   Segments = Segment { "/" Segment } ;
//   Segment  = "*" | "**" | LITERAL | Variable ;
//   Variable = "{" FieldPath [ "=" Segments ] "}" ;
//   Verb     = ":" LITERAL ;

/** One segment of a template. */
export type Segment =
  | { readonly kind: "literal"; readonly value: string }
  | { readonly kind: "wildcard" } // *
  | { readonly kind: "deep" } // **
  | {
    readonly kind: "variable";
    readonly field: string;
    readonly segments: readonly Segment[];
  };

/** A parsed path template. */
export interface Template {
  /** The template text. */
  readonly text: string;
  /** Its segments. */
  readonly segments: readonly Segment[];
  /** The custom verb after `:`, if any. */
  readonly verb?: string;
  /** Field paths bound by variables, in order. */
  readonly variables: readonly string[];
}

/** A template compiled for Hono. */
export interface CompiledTemplate {
  /** Hono route pattern, e.g. `/v1/:p0{shelves/[^/]+}`. */
  readonly pattern: string;
  /** Hono parameter name → field path it binds. */
  readonly params: ReadonlyMap<string, string>;
  /** Parameter whose value ends with `:verb`, to strip before binding. */
  readonly verbParam?: string;
  /** The verb suffix (with its colon). */
  readonly verbSuffix?: string;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const LITERAL = /^[A-Za-z0-9\-._~!$&'()+,;=@%]+$/;

/** Parses a template; throws a `TypeError` naming the problem. */
export function parseTemplate(text: string): Template {
  if (!text.startsWith("/")) throw new TypeError(`path template ${text} must start with "/"`);
  let body = text.slice(1);
  let verb: string | undefined;
  // The verb is a ":" after the last "}" or "/" (colons inside variables belong to them).
  const lastClose = Math.max(body.lastIndexOf("}"), body.lastIndexOf("/"));
  const colon = body.indexOf(":", lastClose + 1);
  if (colon >= 0) {
    verb = body.slice(colon + 1);
    body = body.slice(0, colon);
    if (!LITERAL.test(verb)) throw new TypeError(`path template ${text}: invalid verb ":${verb}"`);
  }
  const variables: string[] = [];
  const segments = parseSegments(body, text, variables, false);
  if (segments.some((s, i) => s.kind === "deep" && i !== segments.length - 1)) {
    throw new TypeError(`path template ${text}: "**" must be the last segment`);
  }
  return { text, segments, verb, variables };
}

function parseSegments(
  body: string,
  text: string,
  variables: string[],
  nested: boolean,
): Segment[] {
  if (body === "") throw new TypeError(`path template ${text}: empty segment`);
  const out: Segment[] = [];
  let i = 0;
  while (i <= body.length) {
    if (body[i] === "{") {
      if (nested) throw new TypeError(`path template ${text}: nested variables are not allowed`);
      const end = body.indexOf("}", i);
      if (end < 0) throw new TypeError(`path template ${text}: unclosed "{"`);
      const inner = body.slice(i + 1, end);
      const eq = inner.indexOf("=");
      const field = eq < 0 ? inner : inner.slice(0, eq);
      if (!IDENT.test(field)) {
        throw new TypeError(`path template ${text}: invalid field path "${field}"`);
      }
      if (variables.includes(field)) {
        throw new TypeError(`path template ${text}: field "${field}" is bound twice`);
      }
      variables.push(field);
      const segments = eq < 0
        ? [{ kind: "wildcard" } as const]
        : parseSegments(inner.slice(eq + 1), text, variables, true);
      out.push({ kind: "variable", field, segments });
      i = end + 1;
    } else {
      const end = body.indexOf("/", i);
      const part = body.slice(i, end < 0 ? body.length : end);
      if (part === "") throw new TypeError(`path template ${text}: empty segment`);
      if (part === "*") out.push({ kind: "wildcard" });
      else if (part === "**") out.push({ kind: "deep" });
      else if (LITERAL.test(part)) out.push({ kind: "literal", value: part });
      else throw new TypeError(`path template ${text}: invalid segment "${part}"`);
      i = end < 0 ? body.length : end;
    }
    if (i >= body.length) break;
    if (body[i] !== "/") throw new TypeError(`path template ${text}: expected "/" at ${i + 1}`);
    i++;
    if (i === body.length) throw new TypeError(`path template ${text}: trailing "/"`);
  }
  return out;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

function regexOf(segments: readonly Segment[]): string {
  return segments.map((s) => {
    switch (s.kind) {
      case "literal":
        return escapeRegex(s.value);
      case "wildcard":
        return "[^/]+";
      case "deep":
        return ".+";
      case "variable":
        return regexOf(s.segments);
    }
  }).join("/");
}

/** Compiles a template into a Hono pattern with one named parameter per variable. */
export function compileTemplate(template: Template): CompiledTemplate {
  const params = new Map<string, string>();
  const parts: string[] = [];
  let n = 0;
  let verbParam: string | undefined;
  const verbSuffix = template.verb === undefined ? undefined : `:${template.verb}`;
  template.segments.forEach((segment, index) => {
    const last = index === template.segments.length - 1;
    const suffix = last && verbSuffix !== undefined ? escapeRegex(verbSuffix) : "";
    if (segment.kind === "literal" && suffix === "") {
      parts.push(segment.value);
      return;
    }
    const name = segment.kind === "variable" ? `p${n++}` : `_w${n++}`;
    if (segment.kind === "variable") params.set(name, segment.field);
    if (suffix !== "") verbParam = name;
    parts.push(`:${name}{${regexOf([segment])}${suffix}}`);
  });
  return { pattern: `/${parts.join("/")}`, params, verbParam, verbSuffix };
}

/** Segments as template text with variables reduced to their patterns (`shelves/*`). */
export function segmentsText(segments: readonly Segment[]): string {
  return segments.map((s) =>
    s.kind === "literal"
      ? s.value
      : s.kind === "wildcard"
      ? "*"
      : s.kind === "deep"
      ? "**"
      : segmentsText(s.segments)
  ).join("/");
}

/** The canonical form of a template, for detecting two rules with the same shape. */
export function shapeOf(template: Template): string {
  return `/${segmentsText(template.segments)}${template.verb ? `:${template.verb}` : ""}`;
}
