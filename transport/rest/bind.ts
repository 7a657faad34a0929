// Building the request message of a REST call from its path variables, query string and body,
// as google.api.http specifies: path variables win, `body: "*"` takes the whole body (and no
// query), `body: "field"` fills one field, every other field may come from the query string
// (repeated keys, dotted paths into messages, enums by name or number, well-known types in
// their JSON form). Bad values are 400s naming the parameter.
import {
  type DescField,
  type DescMessage,
  fromJson,
  type JsonObject,
  type JsonReadOptions,
  type JsonValue,
  ScalarType,
} from "@bufbuild/protobuf";
import { badRequest } from "../../errors/mod.ts";
import type { ProtoMessage } from "../../internal/contract.ts";
import { type Binding, fieldAtPath } from "./rule.ts";

const INTEGER = /^-?\d+$/;
const UNSIGNED = /^\d+$/;

// Well-known types whose JSON form is a string a query parameter can carry as is.
const STRING_WKT = new Set([
  "google.protobuf.Timestamp",
  "google.protobuf.Duration",
  "google.protobuf.FieldMask",
]);
const WRAPPERS: Record<string, ScalarType> = {
  "google.protobuf.DoubleValue": ScalarType.DOUBLE,
  "google.protobuf.FloatValue": ScalarType.FLOAT,
  "google.protobuf.Int64Value": ScalarType.INT64,
  "google.protobuf.UInt64Value": ScalarType.UINT64,
  "google.protobuf.Int32Value": ScalarType.INT32,
  "google.protobuf.UInt32Value": ScalarType.UINT32,
  "google.protobuf.BoolValue": ScalarType.BOOL,
  "google.protobuf.StringValue": ScalarType.STRING,
  "google.protobuf.BytesValue": ScalarType.BYTES,
};

/** Builds the input message; throws a 400 AtreusError naming what is wrong. */
export function bindRequest(
  binding: Binding,
  params: Readonly<Record<string, string>>,
  query: URLSearchParams | undefined,
  body: string | undefined,
  readOptions: Partial<JsonReadOptions>,
): ProtoMessage {
  const input = binding.method.input;
  let json: JsonObject = {};
  if (binding.body === "*") {
    const parsed = parseBody(body, "the request body") ?? {};
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw badRequest("CODEC", "the request body must be a JSON object");
    }
    json = parsed;
  } else if (binding.body !== "") {
    const value = parseBody(body, `the request body (field "${binding.body}")`);
    if (value !== undefined) json[binding.bodyField!.jsonName] = value;
  }
  if (binding.body !== "*" && query) {
    const bound = binding.boundPaths;
    for (const key of new Set(query.keys())) {
      if (bound.some((b) => key === b || key.startsWith(`${b}.`))) continue;
      const field = fieldAtPath(input, key);
      if (field === undefined) continue; // unknown query parameters are ignored, like JSON fields
      setPath(json, input, key, queryValue(field, key, query.getAll(key)));
    }
  }
  const { params: names, verbParam, verbSuffix } = binding.compiled;
  for (const [param, path] of names) {
    let raw = params[param];
    if (raw === undefined) continue;
    if (param === verbParam && verbSuffix && raw.endsWith(verbSuffix)) {
      raw = raw.slice(0, -verbSuffix.length);
    }
    const field = binding.variableFields.get(path)!;
    setPath(json, input, path, scalarValue(field, `path variable {${path}}`, raw));
  }
  try {
    return fromJson(input, json, readOptions) as ProtoMessage;
  } catch (error) {
    throw badRequest("CODEC", `cannot read ${input.typeName}: ${(error as Error).message}`);
  }
}

function parseBody(body: string | undefined, what: string): JsonValue | undefined {
  if (body === undefined || body.trim() === "") return undefined;
  try {
    return JSON.parse(body);
  } catch (error) {
    throw badRequest("CODEC", `${what} is not valid JSON: ${(error as Error).message}`);
  }
}

// Sets a value at a dotted path, creating the intermediate message objects (by JSON name).
function setPath(json: JsonObject, message: DescMessage, path: string, value: JsonValue): void {
  const parts = path.split(".");
  let target = json;
  let desc: DescMessage = message;
  parts.forEach((part, i) => {
    const field = desc.fields.find((f) => f.name === part || f.jsonName === part)!;
    if (i === parts.length - 1) {
      target[field.jsonName] = value;
      return;
    }
    const next = target[field.jsonName];
    target = typeof next === "object" && next !== null && !Array.isArray(next)
      ? next
      : (target[field.jsonName] = {});
    desc = field.message!;
  });
}

function queryValue(field: DescField, key: string, values: string[]): JsonValue {
  const what = `query parameter "${key}"`;
  if (field.fieldKind === "list") {
    return values.map((v) => leafValue(field, what, v));
  }
  if (field.fieldKind === "map") {
    throw badRequest("CODEC", `${what}: map fields cannot be set from the query string`);
  }
  if (values.length > 1) {
    if (field.fieldKind === "message" && field.message.typeName === "google.protobuf.FieldMask") {
      return values.join(",");
    }
    throw badRequest("CODEC", `${what} is given ${values.length} times but is not repeated`);
  }
  return scalarValue(field, what, values[0]);
}

function scalarValue(field: DescField, what: string, raw: string): JsonValue {
  if (field.fieldKind === "list" || field.fieldKind === "map") {
    throw badRequest("CODEC", `${what}: a repeated field cannot be bound here`);
  }
  return leafValue(field, what, raw);
}

function leafValue(field: DescField, what: string, raw: string): JsonValue {
  switch (field.fieldKind) {
    case "scalar":
      return scalar(field.scalar, what, raw);
    case "enum":
      return enumValue(field, what, raw);
    case "list":
      if (field.listKind === "scalar") return scalar(field.scalar, what, raw);
      if (field.listKind === "enum") return enumValue(field, what, raw);
      return messageValue(field.message, what, raw);
    case "message":
      return messageValue(field.message, what, raw);
    default:
      throw badRequest("CODEC", `${what} cannot be set from a string`);
  }
}

function enumValue(
  field: DescField & { enum?: { values: readonly { name: string; number: number }[] } },
  what: string,
  raw: string,
): JsonValue {
  const values = field.enum?.values ?? [];
  if (INTEGER.test(raw)) return Number(raw);
  if (values.some((v) => v.name === raw)) return raw;
  throw badRequest(
    "CODEC",
    `${what}: "${raw}" is not a value of ${field.enum ? "the enum" : "this field"} (${
      values.map((v) => v.name).join(", ")
    })`,
  );
}

function messageValue(message: DescMessage, what: string, raw: string): JsonValue {
  if (STRING_WKT.has(message.typeName)) return raw;
  const wrapped = WRAPPERS[message.typeName];
  if (wrapped !== undefined) return scalar(wrapped, what, raw);
  throw badRequest("CODEC", `${what}: ${message.typeName} cannot be set from the query string`);
}

function scalar(type: ScalarType, what: string, raw: string): JsonValue {
  switch (type) {
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return raw;
    case ScalarType.BOOL:
      if (raw === "true") return true;
      if (raw === "false") return false;
      throw badRequest("CODEC", `${what}: "${raw}" is not a boolean (true or false)`);
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      if (INTEGER.test(raw)) return Number(raw);
      throw badRequest("CODEC", `${what}: "${raw}" is not an integer`);
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      if (UNSIGNED.test(raw)) return Number(raw);
      throw badRequest("CODEC", `${what}: "${raw}" is not an unsigned integer`);
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      if (INTEGER.test(raw)) return raw;
      throw badRequest("CODEC", `${what}: "${raw}" is not an integer`);
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      if (UNSIGNED.test(raw)) return raw;
      throw badRequest("CODEC", `${what}: "${raw}" is not an unsigned integer`);
    case ScalarType.FLOAT:
    case ScalarType.DOUBLE: {
      if (raw === "NaN" || raw === "Infinity" || raw === "-Infinity") return raw;
      const n = Number(raw);
      if (raw.trim() !== "" && Number.isFinite(n)) return n;
      throw badRequest("CODEC", `${what}: "${raw}" is not a number`);
    }
  }
}
