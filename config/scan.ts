// Scanning config trees into typed values: protobuf messages (protojson rules, made friendly
// for hand-written config) and Standard-Schema validators.
import {
  type DescEnum,
  type DescField,
  type DescMessage,
  fromJson,
  type JsonValue,
  ScalarType,
} from "@bufbuild/protobuf";
import { formatProtoDuration, toDurationNs } from "./duration.ts";
import { ConfigError } from "./errors.ts";
import { describePath, isPlainObject, type Tree } from "./path.ts";
import type { Schema, StandardIssue, StandardSchema } from "./types.ts";

/**
 * Called with the fields a proto scan ignored because the message has no such field, as paths
 * relative to `key`, the dotted key that was scanned (`""` for the root).
 */
export type UnknownFieldsHandler = (typeName: string, fields: string[], key: string) => void;

/** True when `schema` is a protobuf message schema. */
function isProtoSchema(schema: unknown): schema is DescMessage {
  return typeof schema === "object" && schema !== null &&
    (schema as { kind?: unknown }).kind === "message" &&
    Array.isArray((schema as { fields?: unknown }).fields);
}

/** True when `schema` implements Standard Schema v1. */
function isStandardSchema(schema: unknown): schema is StandardSchema<unknown> {
  const std = (schema as { "~standard"?: { version?: unknown; validate?: unknown } } | null)
    ?.["~standard"];
  return typeof std === "object" && std !== null && std.version === 1 &&
    typeof std.validate === "function";
}

/** Scans `data` (the value at `key`) into `schema`; throws a `validation` ConfigError. */
export async function scanInto<T>(
  schema: Schema<T>,
  data: unknown,
  key: string,
  onUnknown: UnknownFieldsHandler,
): Promise<T> {
  const where = key === "" ? "config" : key;
  if (isProtoSchema(schema)) {
    return scanProto(schema, data, where, (t, fields) => onUnknown(t, fields, key)) as T;
  }
  if (isStandardSchema(schema)) return await scanStandard(schema as StandardSchema<T>, data, where);
  throw new ConfigError(
    "usage",
    "scan: the schema is neither a protobuf message schema nor a Standard Schema",
  );
}

function scanProto(
  desc: DescMessage,
  data: unknown,
  where: string,
  onUnknown: (typeName: string, fields: string[]) => void,
): unknown {
  const unknown: string[] = [];
  const json = data === undefined || data === null ? {} : prepareMessage(desc, data, [], unknown);
  if (unknown.length > 0) onUnknown(desc.typeName, unknown);
  try {
    return fromJson(desc, json as JsonValue, { ignoreUnknownFields: true });
  } catch (e) {
    throw new ConfigError(
      "validation",
      `cannot scan ${where} into ${desc.typeName}: ${(e as Error).message}`,
      { cause: e, key: where },
    );
  }
}

async function scanStandard<T>(schema: StandardSchema<T>, data: unknown, where: string) {
  const result = await schema["~standard"].validate(structuredClone(data));
  if (result.issues === undefined) return result.value;
  const issues = result.issues.map((i: StandardIssue) => ({
    message: i.message,
    path: describePath(
      (i.path ?? []).map((s) => {
        const k = typeof s === "object" && s !== null ? s.key : s;
        return typeof k === "number" ? k : String(k);
      }),
    ),
  }));
  throw new ConfigError(
    "validation",
    `${where} does not match the schema: ${
      issues.map((i) => `${i.path}: ${i.message}`).join("; ")
    }`,
    { key: where, issues },
  );
}

// The walk below makes protojson's strict rules fit hand-written config without giving up type
// checks: durations accept "500ms" and numbers of milliseconds, enums accept short names in any
// case ("info" for LOG_LEVEL_INFO), booleans accept "true"/"false" strings (env values), string
// fields accept YAML numbers, and unknown fields are collected for a warning instead of failing.

function prepareMessage(
  desc: DescMessage,
  v: unknown,
  path: (string | number)[],
  unknown: string[],
): unknown {
  if (!isPlainObject(v)) return v;
  const out: Tree = {};
  for (const [k, x] of Object.entries(v)) {
    const field = desc.fields.find((f) => f.name === k || f.jsonName === k);
    if (field === undefined) {
      unknown.push(describePath([...path, k]));
      continue;
    }
    out[k] = prepareField(field, x, [...path, k], unknown);
  }
  return out;
}

function prepareField(
  f: DescField,
  v: unknown,
  path: (string | number)[],
  unknown: string[],
): unknown {
  if (v === null) return v;
  const each = elementPreparer(f, unknown);
  if (f.fieldKind === "list") return Array.isArray(v) ? v.map((x, i) => each(x, [...path, i])) : v;
  if (f.fieldKind !== "map") return each(v, path);
  if (!isPlainObject(v)) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, each(x, [...path, k])]));
}

/** Prepares one value of a singular field, or one element of a list or map field. */
function elementPreparer(
  f: DescField,
  unknown: string[],
): (v: unknown, path: (string | number)[]) => unknown {
  const kind = f.fieldKind === "list"
    ? f.listKind
    : f.fieldKind === "map"
    ? f.mapKind
    : f.fieldKind;
  const typed = f as { scalar?: ScalarType; enum?: DescEnum; message?: DescMessage };
  if (kind === "scalar") return (v) => prepareScalar(typed.scalar!, v);
  if (kind === "enum") return (v, path) => prepareEnum(typed.enum!, v, path);
  return (v, path) => prepareSingular(typed.message!, v, path, unknown);
}

function prepareSingular(
  m: DescMessage,
  v: unknown,
  path: (string | number)[],
  unknown: string[],
): unknown {
  switch (m.typeName) {
    case "google.protobuf.Duration": {
      const ns = toDurationNs(v);
      if (ns === undefined) {
        throw new ConfigError(
          "validation",
          `${describePath(path)}: expected a duration like "1.5s" or "500ms", got ${
            JSON.stringify(v)
          }`,
          { key: describePath(path) },
        );
      }
      return formatProtoDuration(ns);
    }
    case "google.protobuf.BoolValue":
      return prepareScalar(ScalarType.BOOL, v);
    case "google.protobuf.StringValue":
      return prepareScalar(ScalarType.STRING, v);
  }
  if (m.typeName.startsWith("google.protobuf.")) return v;
  return prepareMessage(m, v, path, unknown);
}

function prepareScalar(t: ScalarType, v: unknown): unknown {
  if (t === ScalarType.BOOL && typeof v === "string") {
    const lower = v.trim().toLowerCase();
    if (lower === "true") return true;
    if (lower === "false") return false;
  }
  if (t === ScalarType.STRING && (typeof v === "number" || typeof v === "boolean")) {
    return String(v);
  }
  return v;
}

function prepareEnum(e: DescEnum, v: unknown, path: (string | number)[]): unknown {
  if (typeof v !== "string" || e.typeName === "google.protobuf.NullValue") return v;
  const upper = v.trim().toUpperCase();
  const hit = e.values.find((x) => x.name === v) ??
    e.values.find((x) => x.name.toUpperCase() === upper) ??
    e.values.find((x) => x.localName.toUpperCase() === upper);
  if (hit !== undefined) return hit.name;
  const names = e.values.map((x) => x.name).join(", ");
  throw new ConfigError(
    "validation",
    `${describePath(path)}: "${v}" is not a value of ${e.typeName} (one of ${names})`,
    { key: describePath(path) },
  );
}
