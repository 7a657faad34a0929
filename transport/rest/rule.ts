// The REST bindings of an RPC, read from its `google.api.http` option and checked against the
// request and response messages at server start: a bad rule is an error naming the method and
// the rule, never a route that fails at request time.
import {
  type DescExtension,
  type DescField,
  type DescFile,
  type DescMessage,
  type DescMethod,
  getExtension,
  hasExtension,
} from "@bufbuild/protobuf";
import type { HttpRule } from "../../internal/gen/google/api/http_pb.ts";
import {
  type CompiledTemplate,
  compileTemplate,
  parseTemplate,
  type Template,
} from "./template.ts";

/** One HTTP binding of an RPC (the rule itself or one of its additional bindings). */
export interface Binding {
  /** The RPC. */
  readonly method: DescMethod;
  /** HTTP verb, upper-case. */
  readonly verb: string;
  /** The parsed path template. */
  readonly template: Template;
  /** The template compiled for Hono. */
  readonly compiled: CompiledTemplate;
  /** `""` (no body), `"*"` (the whole request) or a top-level request field. */
  readonly body: string;
  /** `""` (the whole response) or a top-level response field. */
  readonly responseBody: string;
  /** The request field `body` names (a top-level field), resolved at start-up. */
  readonly bodyField: DescField | undefined;
  /** The response field `responseBody` names, resolved at start-up. */
  readonly responseField: DescField | undefined;
  /** The field of each path variable, by its dotted path. */
  readonly variableFields: ReadonlyMap<string, DescField>;
  /** Paths bound by the path or the body field, which query parameters must not set. */
  readonly boundPaths: readonly string[];
  /** Human-readable rule, for errors and docs: `GET /v1/{name}`. */
  readonly label: string;
}

/** The bindings of `method`, empty when it has no `google.api.http` option. */
export function bindingsOf(method: DescMethod): Binding[] {
  const options = method.proto.options;
  if (options === undefined) return [];
  const http = httpExtensionOf(method.parent.file);
  if (http === undefined) {
    if (options.$unknown?.some((f) => f.no === HTTP_FIELD) === true) {
      throw ruleError(
        method,
        `option ${HTTP_FIELD}`,
        "set, but google/api/annotations.proto (which declares google.api.http) is not among " +
          "the imports of its file",
      );
    }
    return [];
  }
  if (!hasExtension(options, http)) return [];
  const rule = getExtension(options, http) as HttpRule;
  const out = [binding(method, rule)];
  for (const extra of rule.additionalBindings) {
    if (extra.additionalBindings.length > 0) {
      throw ruleError(method, label(extra), "additional_bindings must not nest");
    }
    out.push(binding(method, extra));
  }
  return out;
}

// google.api.http's field number on MethodOptions.
const HTTP_FIELD = 72295728;
const httpExtensions = new WeakMap<DescFile, DescExtension | null>();

// The `google.api.http` extension from the imports of `file`: a file whose methods carry the
// option imports google/api/annotations.proto (protoc requires it), so the service's own
// generated copy is read, and no second copy of google/api is linked at start.
function httpExtensionOf(file: DescFile): DescExtension | undefined {
  const known = httpExtensions.get(file);
  if (known !== undefined) return known ?? undefined;
  let found: DescExtension | undefined;
  const seen = new Set<DescFile>();
  const queue = [file];
  while (queue.length > 0 && found === undefined) {
    const f = queue.shift()!;
    if (seen.has(f)) continue;
    seen.add(f);
    found = f.extensions.find((e) =>
      e.typeName === "google.api.http" && e.number === HTTP_FIELD &&
      e.extendee.typeName === "google.protobuf.MethodOptions"
    );
    queue.push(...f.dependencies);
  }
  httpExtensions.set(file, found ?? null);
  return found;
}

function label(rule: HttpRule): string {
  const p = rule.pattern;
  switch (p.case) {
    case "get":
    case "put":
    case "post":
    case "delete":
    case "patch":
      return `${p.case.toUpperCase()} ${p.value}`;
    case "custom":
      return `${p.value.kind} ${p.value.path}`;
    default:
      return "(no pattern)";
  }
}

function ruleError(method: DescMethod, rule: string, problem: string): TypeError {
  return new TypeError(
    `google.api.http of ${method.parent.typeName}.${method.name} (${rule}): ${problem}`,
  );
}

function binding(method: DescMethod, rule: HttpRule): Binding {
  const text = label(rule);
  const p = rule.pattern;
  if (p.case === undefined) throw ruleError(method, text, "no HTTP method and path");
  const verb = p.case === "custom" ? p.value.kind.toUpperCase() : p.case.toUpperCase();
  const path = p.case === "custom" ? p.value.path : p.value;
  if (!/^[A-Z]+$/.test(verb)) throw ruleError(method, text, `invalid HTTP method "${verb}"`);
  let template: Template;
  try {
    template = parseTemplate(path);
  } catch (error) {
    throw ruleError(method, text, (error as Error).message);
  }
  if (method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming") {
    throw ruleError(method, text, "client and bidi streams cannot be bound to REST");
  }
  const variableFields = new Map<string, DescField>();
  for (const variable of template.variables) {
    const field = fieldAtPath(method.input, variable);
    if (field === undefined) {
      throw ruleError(
        method,
        text,
        `path variable {${variable}} names no field of ${method.input.typeName}`,
      );
    }
    if (field.fieldKind !== "scalar" && field.fieldKind !== "enum") {
      throw ruleError(method, text, `path variable {${variable}} must be a scalar or enum field`);
    }
    variableFields.set(variable, field);
  }
  let bodyField: DescField | undefined;
  const body = rule.body;
  if (body !== "" && body !== "*") {
    bodyField = method.input.fields.find((f) => f.name === body);
    if (bodyField === undefined) {
      throw ruleError(method, text, `body "${body}" names no field of ${method.input.typeName}`);
    }
    if (template.variables.some((v) => v === body || v.startsWith(`${body}.`))) {
      throw ruleError(method, text, `body "${body}" is also bound by the path`);
    }
  }
  if (body !== "" && verb === "GET") throw ruleError(method, text, "a GET rule cannot have a body");
  const responseBody = rule.responseBody;
  const responseField = responseBody === ""
    ? undefined
    : method.output.fields.find((f) => f.name === responseBody);
  if (responseBody !== "" && responseField === undefined) {
    throw ruleError(
      method,
      text,
      `response_body "${responseBody}" names no field of ${method.output.typeName}`,
    );
  }
  return {
    method,
    verb,
    template,
    compiled: compileTemplate(template),
    body,
    responseBody,
    bodyField,
    responseField,
    variableFields,
    boundPaths: body === "" ? template.variables : [...template.variables, body],
    label: text,
  };
}

/** The field at a dotted path of proto field names (or JSON names), through singular messages. */
export function fieldAtPath(message: DescMessage, path: string): DescField | undefined {
  let current: DescMessage | undefined = message;
  let field: DescField | undefined;
  for (const part of path.split(".")) {
    if (current === undefined) return undefined;
    field = current.fields.find((f) => f.name === part || f.jsonName === part);
    if (field === undefined) return undefined;
    current = field.fieldKind === "message" ? field.message : undefined;
  }
  return field;
}
