// JSON for flat messages — every field a singular string, bool or 32-bit integer with implicit
// presence, no oneofs, no extensions (helloworld's, and most small requests and replies) — read
// and written without protobuf-es's general machinery: `fromJsonString` scans the text again
// for duplicate keys and builds a read context, `toJsonString` builds write options and an
// intermediate object, each per call. The library stays the reference: a message type outside
// this shape gets no codec (`undefined`), and anything the codec would have to judge — invalid
// JSON, a duplicate or unknown key, a field named twice, null, a value of another type or out of
// range, ill-formed UTF-16 — makes it return `undefined`, so the caller asks the library and
// gets its message or its error. tests/transport/json_fast_test.ts holds both to the same
// results.
import {
  type DescField,
  type DescMessage,
  type JsonReadOptions,
  type JsonWriteOptions,
  ScalarType,
} from "@bufbuild/protobuf";
import { create } from "@bufbuild/protobuf";
import { getTextEncoding } from "@bufbuild/protobuf/wire";
import type { ProtoMessage } from "../../internal/contract.ts";

/** Reads a message from JSON text, or returns `undefined` to defer to the library. */
export type JsonReader = (text: string) => ProtoMessage | undefined;

/** Writes a message as JSON text, or returns `undefined` to defer to the library. */
export type JsonWriter = (message: ProtoMessage) => string | undefined;

// How a field's JSON values are checked.
const enum Kind {
  String,
  Bool,
  Int32,
  Uint32,
}

interface Field {
  readonly index: number;
  readonly localName: string;
  readonly kind: Kind;
}

// protobuf-es's feature value for implicit presence (proto3 singular scalars).
const IMPLICIT = 2;

function kindOf(field: DescField): Kind | undefined {
  if (field.fieldKind !== "scalar" || field.oneof !== undefined) return undefined;
  if (field.presence !== IMPLICIT) return undefined;
  // Names the codec would have to treat specially as object keys or properties.
  if (field.name === "__proto__" || field.jsonName === "__proto__") return undefined;
  switch (field.scalar) {
    case ScalarType.STRING:
      return Kind.String;
    case ScalarType.BOOL:
      return Kind.Bool;
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return Kind.Int32;
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return Kind.Uint32;
    default:
      return undefined;
  }
}

function flatFields(desc: DescMessage): { field: DescField; kind: Kind }[] | undefined {
  if (desc.typeName.startsWith("google.protobuf.")) return undefined;
  // Seen fields are tracked in the bits of one number.
  if (desc.proto.extensionRange.length > 0 || desc.fields.length > 31) return undefined;
  const out: { field: DescField; kind: Kind }[] = [];
  for (const field of desc.fields) {
    const kind = kindOf(field);
    if (kind === undefined) return undefined;
    out.push({ field, kind });
  }
  return out;
}

/** The reader of `desc`'s messages with `options`, or `undefined` when the library must read. */
export function jsonReader(
  desc: DescMessage,
  options: Partial<JsonReadOptions>,
): JsonReader | undefined {
  const fields = flatFields(desc);
  if (fields === undefined) return undefined;
  if (options.recursionLimit !== undefined && options.recursionLimit < 1) return undefined;
  const byKey = new Map<string, Field>();
  fields.forEach(({ field, kind }, index) => {
    const entry = { index, localName: field.localName, kind };
    byKey.set(field.name, entry).set(field.jsonName, entry);
  });
  const count = fields.length;
  const checkUtf8 = getTextEncoding().checkUtf8;
  return (text) => {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return undefined;
    }
    if (json === null || typeof json !== "object" || Array.isArray(json)) return undefined;
    const object = json as Record<string, unknown>;
    const keys = Object.keys(object);
    // JSON.parse keeps the last of duplicate keys, which the library rejects: every key of
    // the text has a colon outside strings, so as many colons as parsed keys means none was
    // repeated (nested values add colons, and are refused below anyway).
    if (keys.length > count || colonsOutsideStrings(text) !== keys.length) return undefined;
    const message = create(desc) as unknown as Record<string, unknown>;
    let seen = 0;
    for (let i = 0; i < keys.length; i++) {
      const field = byKey.get(keys[i]);
      if (field === undefined) return undefined;
      const bit = 1 << field.index;
      if ((seen & bit) !== 0) return undefined;
      seen |= bit;
      const value = object[keys[i]];
      switch (field.kind) {
        case Kind.String:
          if (typeof value !== "string" || !checkUtf8(value)) return undefined;
          break;
        case Kind.Bool:
          if (typeof value !== "boolean") return undefined;
          break;
        case Kind.Int32:
          if (
            typeof value !== "number" || !Number.isInteger(value) || value > 0x7fffffff ||
            value < -0x80000000
          ) return undefined;
          break;
        case Kind.Uint32:
          if (
            typeof value !== "number" || !Number.isInteger(value) || value > 0xffffffff ||
            value < 0
          ) return undefined;
          break;
      }
      message[field.localName] = value;
    }
    return message as unknown as ProtoMessage;
  };
}

/** The writer of `desc`'s messages with `options`, or `undefined` when the library must write. */
export function jsonWriter(
  desc: DescMessage,
  options: Partial<JsonWriteOptions>,
): JsonWriter | undefined {
  const found = flatFields(desc);
  // The codec writes what the defaults write; other output options go to the library.
  if (found === undefined || options.alwaysEmitImplicit || options.enumAsInteger) return undefined;
  if ((options as { prettySpaces?: number }).prettySpaces) return undefined;
  // In field-number order, as the library writes them; each key quoted once, here.
  const fields = found.sort((a, b) => a.field.number - b.field.number).map(({ field, kind }) => ({
    localName: field.localName,
    kind,
    key: JSON.stringify(options.useProtoFieldName ? field.name : field.jsonName) + ":",
  }));
  const typeName = desc.typeName;
  return (message) => {
    const m = message as unknown as Record<string, unknown>;
    if (m.$typeName !== typeName) return undefined;
    let out = "";
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i];
      const value = m[field.localName];
      switch (field.kind) {
        case Kind.String:
          if (typeof value !== "string") return undefined;
          if (value === "") continue;
          out += (out === "" ? "{" : ",") + field.key + JSON.stringify(value);
          break;
        case Kind.Bool:
          if (typeof value !== "boolean") return undefined;
          if (!value) continue;
          out += (out === "" ? "{" : ",") + field.key + "true";
          break;
        default:
          if (typeof value !== "number") return undefined;
          if (value == 0) continue;
          out += (out === "" ? "{" : ",") + field.key + JSON.stringify(value);
      }
    }
    return out === "" ? "{}" : out + "}";
  };
}

// Colons outside string literals, in text JSON.parse accepted.
function colonsOutsideStrings(text: string): number {
  let colons = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3a) {
      colons++;
    } else if (c === 0x22) {
      // Skip the string: a backslash escapes the next character.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    }
  }
  return colons;
}
