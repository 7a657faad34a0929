// A binary encoder for response messages that sizes first and writes once, straight into the
// buffer that goes on the wire (with room for an envelope prefix and a trailer suffix).
// `toBinary` grows a 128-byte scratch buffer and slices it, and the envelope then copies again:
// three allocations per reply, each ~0.2 µs on Deno. The library stays the reference: types
// this encoder does not cover (groups, required fields, unboxed wrappers, Struct, int64 as
// string) compile to `undefined`, and values it would have to judge (unknown fields, wrong
// types, out-of-range numbers) make `encode` return `undefined`, so the caller falls back to
// `toBinary` and gets the library's bytes or its error. tests/transport/binary_test.ts compares
// both byte for byte.
import { type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import { isWrapperDesc } from "@bufbuild/protobuf/wkt";

/** Encodes messages of one type, or returns `undefined` to defer to the library. */
export type BinaryEncoder = (
  message: object,
  head: number,
  tail: Uint8Array | undefined,
  maxBytes: number,
) => Uint8Array | undefined;

// How a field's values are written.
const enum Kind {
  Varint32, // int32, enum: negative values take 10 bytes
  Uint32,
  Sint32,
  Bool,
  Fixed32,
  Sfixed32,
  Float,
  Double,
  Int64,
  Uint64,
  Sint64,
  Fixed64,
  Sfixed64,
  String,
  Bytes,
  Message,
}

// How presence is decided for a singular field.
const enum Presence {
  Implicit,
  Explicit,
  Oneof,
}

interface FieldPlan {
  readonly local: string;
  readonly kind: Kind;
  /** The tag of one value; for packed lists the length-delimited tag. */
  readonly tag: number;
  readonly list: boolean;
  readonly packed: boolean;
  /** Map fields: how keys are written (`kind` and `child` then describe the values). */
  readonly key: Kind | undefined;
  readonly presence: Presence;
  /** Local name of the oneof group. */
  readonly oneof: string;
  /** Implicit-presence zero of an enum (its first value). */
  readonly enumZero: number;
  /** Message fields: the child's plan (filled after compilation, for recursive types). */
  child: MessagePlan | undefined;
}

interface MessagePlan {
  readonly typeName: string;
  readonly fields: FieldPlan[];
}

const VARINT = 0;
const FIXED64 = 1;
const DELIMITED = 2;
const FIXED32 = 5;

class Unsupported extends Error {}

const compiled = new WeakMap<DescMessage, BinaryEncoder | null>();

/** The fast encoder of a message type, or `undefined` when the type needs the library. */
export function binaryEncoder(desc: DescMessage): BinaryEncoder | undefined {
  let encoder = compiled.get(desc);
  if (encoder === undefined) {
    try {
      encoder = makeEncoder(compile(desc, new Map()));
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      encoder = null;
    }
    compiled.set(desc, encoder);
  }
  return encoder ?? undefined;
}

function compile(desc: DescMessage, seen: Map<DescMessage, MessagePlan>): MessagePlan {
  const known = seen.get(desc);
  if (known !== undefined) return known;
  const plan: MessagePlan = { typeName: desc.typeName, fields: [] };
  seen.set(desc, plan);
  const sorted = desc.fields.concat().sort((a, b) => a.number - b.number);
  for (const field of sorted) plan.fields.push(compileField(field, seen));
  return plan;
}

function compileField(field: DescField, seen: Map<DescMessage, MessagePlan>): FieldPlan {
  if ((field as { delimitedEncoding?: boolean }).delimitedEncoding) throw new Unsupported();
  // LEGACY_REQUIRED (3) throws in the library when unset: let it.
  if (field.presence === 3) throw new Unsupported();
  const list = field.fieldKind === "list";
  const map = field.fieldKind === "map";
  let kind: Kind;
  let message: DescMessage | undefined;
  let enumZero = 0;
  if (
    field.fieldKind === "message" || list && field.listKind === "message" ||
    map && field.mapKind === "message"
  ) {
    kind = Kind.Message;
    message = field.message;
    // Two fields hold something else than the message locally: a singular wrapper outside a
    // oneof holds the unboxed scalar, a Struct (outside Value) holds plain JSON.
    if (
      field.fieldKind === "message" && field.oneof === undefined && isWrapperDesc(message) ||
      message.typeName === "google.protobuf.Struct" &&
        field.parent.typeName !== "google.protobuf.Value"
    ) {
      throw new Unsupported();
    }
  } else if (field.fieldKind === "enum" || list && field.listKind === "enum") {
    kind = Kind.Varint32;
    enumZero = field.enum.values[0].number;
  } else if (map && field.mapKind === "enum") {
    kind = Kind.Varint32;
  } else {
    if ((field as { longAsString?: boolean }).longAsString) throw new Unsupported();
    kind = scalarKind(field.scalar!);
  }
  const packed = list && field.packed && kind !== Kind.Message && kind !== Kind.String &&
    kind !== Kind.Bytes;
  const plan: FieldPlan = {
    local: field.localName,
    kind,
    tag: (field.number << 3 | (packed || map ? DELIMITED : wireType(kind))) >>> 0,
    list,
    packed,
    key: map ? scalarKind(field.mapKey) : undefined,
    presence: field.oneof !== undefined
      ? Presence.Oneof
      : field.presence === 2
      ? Presence.Implicit
      : Presence.Explicit,
    oneof: field.oneof?.localName ?? "",
    enumZero,
    child: undefined,
  };
  if (message !== undefined) plan.child = compile(message, seen);
  return plan;
}

function scalarKind(type: ScalarType): Kind {
  switch (type) {
    case ScalarType.INT32:
      return Kind.Varint32;
    case ScalarType.UINT32:
      return Kind.Uint32;
    case ScalarType.SINT32:
      return Kind.Sint32;
    case ScalarType.BOOL:
      return Kind.Bool;
    case ScalarType.FIXED32:
      return Kind.Fixed32;
    case ScalarType.SFIXED32:
      return Kind.Sfixed32;
    case ScalarType.FLOAT:
      return Kind.Float;
    case ScalarType.DOUBLE:
      return Kind.Double;
    case ScalarType.INT64:
      return Kind.Int64;
    case ScalarType.UINT64:
      return Kind.Uint64;
    case ScalarType.SINT64:
      return Kind.Sint64;
    case ScalarType.FIXED64:
      return Kind.Fixed64;
    case ScalarType.SFIXED64:
      return Kind.Sfixed64;
    case ScalarType.STRING:
      return Kind.String;
    case ScalarType.BYTES:
      return Kind.Bytes;
  }
}

function wireType(kind: Kind): number {
  switch (kind) {
    case Kind.Fixed32:
    case Kind.Sfixed32:
    case Kind.Float:
      return FIXED32;
    case Kind.Double:
    case Kind.Fixed64:
    case Kind.Sfixed64:
      return FIXED64;
    case Kind.String:
    case Kind.Bytes:
    case Kind.Message:
      return DELIMITED;
    default:
      return VARINT;
  }
}

// Sizing records, in visiting order, the byte length of every string and nested message, so
// the write pass never measures twice. Encoding is synchronous, so one scratch list serves all.
let lengths: number[] = [];
let cursor = 0;
// Scratch for floats and 64-bit integers.
const scratch = new DataView(new ArrayBuffer(8));
const scratchBytes = new Uint8Array(scratch.buffer);
const encoder = new TextEncoder();
const hasOwn = Object.prototype.hasOwnProperty;

function makeEncoder(plan: MessagePlan): BinaryEncoder {
  return (message, head, tail, maxBytes) => {
    lengths = [];
    const size = sizeMessage(plan, message as Record<string, unknown>);
    if (size < 0 || size > maxBytes) return undefined;
    const out = new Uint8Array(head + size + (tail?.byteLength ?? 0));
    cursor = 0;
    const end = writeMessage(plan, message as Record<string, unknown>, out, head);
    if (end !== head + size) throw new Error(`binary encoder wrote ${end - head} of ${size} bytes`);
    if (tail !== undefined) out.set(tail, end);
    return out;
  };
}

// A oneof group that is not an object: only the library may judge it.
const INVALID = Symbol("invalid");

// The value of a singular field to write, or `undefined` when presence says it is unset.
function present(field: FieldPlan, message: Record<string, unknown>): unknown {
  if (field.presence === Presence.Oneof) {
    const group = message[field.oneof] as { case: unknown; value: unknown } | undefined;
    if (group === null || typeof group !== "object") return INVALID;
    return group.case === field.local ? group.value : undefined;
  }
  const value = message[field.local];
  if (field.presence === Presence.Explicit) {
    return value !== undefined && hasOwn.call(message, field.local) ? value : undefined;
  }
  switch (field.kind) {
    case Kind.Varint32:
      // Enums compare against their first value, int32 against 0 (enumZero is 0 then).
      return value !== field.enumZero ? value : undefined;
    case Kind.Bool:
      return value !== false ? value : undefined;
    case Kind.String:
      return value !== "" ? value : undefined;
    case Kind.Bytes:
      return !(value instanceof Uint8Array) || value.byteLength > 0 ? value : undefined;
    case Kind.Float:
    case Kind.Double:
      return !Object.is(value, 0) ? value : undefined;
    default:
      // deno-lint-ignore eqeqeq -- the library's check: 0n, 0 and "0" are all zero
      return value != 0 ? value : undefined;
  }
}

// -1: something only the library may judge.
function sizeMessage(plan: MessagePlan, message: Record<string, unknown>): number {
  if (message === null || typeof message !== "object" || message.$typeName !== plan.typeName) {
    return -1;
  }
  const unknown = message.$unknown as unknown[] | undefined;
  if (unknown !== undefined && unknown.length > 0) return -1;
  let size = 0;
  for (const field of plan.fields) {
    if (field.key !== undefined) {
      const n = sizeMap(field, message[field.local]);
      if (n < 0) return -1;
      size += n;
      continue;
    }
    if (field.list) {
      const items = message[field.local];
      if (!Array.isArray(items)) return -1;
      if (items.length === 0) continue;
      if (field.packed) {
        let body = 0;
        for (const item of items) {
          const n = sizeValue(field.kind, field.child, item);
          if (n < 0) return -1;
          body += n;
        }
        size += varintSize(field.tag) + varintSize(body) + body;
        continue;
      }
      const tagSize = varintSize(field.tag);
      for (const item of items) {
        const n = sizeValue(field.kind, field.child, item);
        if (n < 0) return -1;
        size += tagSize + n;
      }
      continue;
    }
    const value = present(field, message);
    if (value === undefined) continue;
    if (value === INVALID) return -1;
    const n = sizeValue(field.kind, field.child, value);
    if (n < 0) return -1;
    size += varintSize(field.tag) + n;
  }
  return size;
}

// The encoded size of one value without its tag (with the length prefix of delimited values).
function sizeValue(kind: Kind, child: MessagePlan | undefined, value: unknown): number {
  switch (kind) {
    case Kind.Varint32:
      if (!isInt32(value)) return -1;
      return value < 0 ? 10 : varintSize(value);
    case Kind.Uint32:
      return isUint32(value) ? varintSize(value) : -1;
    case Kind.Sint32:
      return isInt32(value) ? varintSize(((value << 1) ^ (value >> 31)) >>> 0) : -1;
    case Kind.Bool:
      return typeof value === "boolean" ? 1 : -1;
    case Kind.Fixed32:
      return isUint32(value) ? 4 : -1;
    case Kind.Sfixed32:
      return isInt32(value) ? 4 : -1;
    case Kind.Float:
      // The library rejects finite values that round to infinity in float32.
      return typeof value === "number" &&
          (Number.isFinite(Math.fround(value)) || !Number.isFinite(value))
        ? 4
        : -1;
    case Kind.Double:
      return typeof value === "number" ? 8 : -1;
    case Kind.Int64:
      return isInt64(value) ? varint64Size(BigInt.asUintN(64, value)) : -1;
    case Kind.Uint64:
      return isUint64(value) ? varint64Size(value) : -1;
    case Kind.Sint64:
      return isInt64(value) ? varint64Size(BigInt.asUintN(64, (value << 1n) ^ (value >> 63n))) : -1;
    case Kind.Fixed64:
      return isUint64(value) ? 8 : -1;
    case Kind.Sfixed64:
      return isInt64(value) ? 8 : -1;
    case Kind.String: {
      if (typeof value !== "string") return -1;
      const n = utf8Length(value);
      lengths.push(n);
      return varintSize(n) + n;
    }
    case Kind.Bytes:
      return value instanceof Uint8Array ? varintSize(value.byteLength) + value.byteLength : -1;
    case Kind.Message: {
      const slot = lengths.length;
      lengths.push(0);
      const n = sizeMessage(child!, value as Record<string, unknown>);
      if (n < 0) return -1;
      lengths[slot] = n;
      return varintSize(n) + n;
    }
  }
}

function writeMessage(
  plan: MessagePlan,
  message: Record<string, unknown>,
  out: Uint8Array,
  pos: number,
): number {
  for (const field of plan.fields) {
    if (field.key !== undefined) {
      pos = writeMap(field, message[field.local] as Record<string, unknown>, out, pos);
      continue;
    }
    if (field.list) {
      const items = message[field.local] as unknown[];
      if (items.length === 0) continue;
      if (field.packed) {
        pos = writeVarint(out, pos, field.tag);
        let body = 0;
        for (const item of items) body += sizeValue(field.kind, field.child, item);
        pos = writeVarint(out, pos, body);
        for (const item of items) pos = writeValue(field.kind, field.child, item, out, pos);
        continue;
      }
      for (const item of items) {
        pos = writeVarint(out, pos, field.tag);
        pos = writeValue(field.kind, field.child, item, out, pos);
      }
      continue;
    }
    const value = present(field, message);
    if (value === undefined) continue;
    pos = writeVarint(out, pos, field.tag);
    pos = writeValue(field.kind, field.child, value, out, pos);
  }
  return pos;
}

// Values were checked while sizing, so the casts below hold.
function writeValue(
  kind: Kind,
  child: MessagePlan | undefined,
  value: unknown,
  out: Uint8Array,
  pos: number,
): number {
  switch (kind) {
    case Kind.Varint32: {
      const n = value as number;
      return n < 0
        ? writeVarint64(out, pos, BigInt.asUintN(64, BigInt(n)))
        : writeVarint(out, pos, n);
    }
    case Kind.Uint32:
      return writeVarint(out, pos, value as number);
    case Kind.Sint32: {
      const n = value as number;
      return writeVarint(out, pos, ((n << 1) ^ (n >> 31)) >>> 0);
    }
    case Kind.Bool:
      out[pos] = value ? 1 : 0;
      return pos + 1;
    case Kind.Fixed32:
      scratch.setUint32(0, value as number, true);
      return copyScratch(out, pos, 4);
    case Kind.Sfixed32:
      scratch.setInt32(0, value as number, true);
      return copyScratch(out, pos, 4);
    case Kind.Float:
      scratch.setFloat32(0, value as number, true);
      return copyScratch(out, pos, 4);
    case Kind.Double:
      scratch.setFloat64(0, value as number, true);
      return copyScratch(out, pos, 8);
    case Kind.Int64:
      return writeVarint64(out, pos, BigInt.asUintN(64, value as bigint));
    case Kind.Uint64:
      return writeVarint64(out, pos, value as bigint);
    case Kind.Sint64: {
      const n = value as bigint;
      return writeVarint64(out, pos, BigInt.asUintN(64, (n << 1n) ^ (n >> 63n)));
    }
    case Kind.Fixed64:
      scratch.setBigUint64(0, value as bigint, true);
      return copyScratch(out, pos, 8);
    case Kind.Sfixed64:
      scratch.setBigInt64(0, value as bigint, true);
      return copyScratch(out, pos, 8);
    case Kind.String: {
      const text = value as string;
      const n = lengths[cursor++];
      pos = writeVarint(out, pos, n);
      if (n === text.length) {
        for (let i = 0; i < n; i++) out[pos + i] = text.charCodeAt(i);
      } else {
        encoder.encodeInto(text, out.subarray(pos, pos + n));
      }
      return pos + n;
    }
    case Kind.Bytes: {
      const bytes = value as Uint8Array;
      pos = writeVarint(out, pos, bytes.byteLength);
      out.set(bytes, pos);
      return pos + bytes.byteLength;
    }
    case Kind.Message: {
      const n = lengths[cursor++];
      pos = writeVarint(out, pos, n);
      return writeMessage(child!, value as Record<string, unknown>, out, pos);
    }
  }
}

// Map entries: key (field 1) and value (field 2), both always written, in Object.keys order.
const KEY = 1 << 3;
const VALUE = 2 << 3;

function sizeMap(field: FieldPlan, record: unknown): number {
  if (record === null || typeof record !== "object") return -1;
  const keyKind = field.key!;
  const tagSize = varintSize(field.tag);
  let size = 0;
  for (const key of Object.keys(record)) {
    const slot = lengths.length;
    lengths.push(0);
    const k = sizeValue(keyKind, undefined, mapKey(keyKind, key));
    if (k < 0) return -1;
    const v = sizeValue(field.kind, field.child, (record as Record<string, unknown>)[key]);
    if (v < 0) return -1;
    const entry = 2 + k + v;
    lengths[slot] = entry;
    size += tagSize + varintSize(entry) + entry;
  }
  return size;
}

function writeMap(
  field: FieldPlan,
  record: Record<string, unknown>,
  out: Uint8Array,
  pos: number,
): number {
  const keyKind = field.key!;
  for (const key of Object.keys(record)) {
    pos = writeVarint(out, pos, field.tag);
    pos = writeVarint(out, pos, lengths[cursor++]);
    out[pos++] = KEY | wireType(keyKind);
    pos = writeValue(keyKind, undefined, mapKey(keyKind, key), out, pos);
    out[pos++] = VALUE | wireType(field.kind);
    pos = writeValue(field.kind, field.child, record[key], out, pos);
  }
  return pos;
}

// A map key (always a string locally) as the library converts it; what it cannot convert stays
// a string, which sizing then refuses.
function mapKey(kind: Kind, key: string): unknown {
  switch (kind) {
    case Kind.String:
      return key;
    case Kind.Bool:
      return key === "true" ? true : key === "false" ? false : key;
    case Kind.Int64:
    case Kind.Uint64:
    case Kind.Sint64:
    case Kind.Fixed64:
    case Kind.Sfixed64:
      try {
        return BigInt(key);
      } catch {
        return key;
      }
    default: {
      const n = Number.parseInt(key);
      return Number.isFinite(n) ? n : key;
    }
  }
}

function copyScratch(out: Uint8Array, pos: number, n: number): number {
  for (let i = 0; i < n; i++) out[pos + i] = scratchBytes[i];
  return pos + n;
}

function isInt32(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff;
}

function isUint32(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}

function isInt64(v: unknown): v is bigint {
  return typeof v === "bigint" && BigInt.asIntN(64, v) === v;
}

function isUint64(v: unknown): v is bigint {
  return typeof v === "bigint" && BigInt.asUintN(64, v) === v;
}

function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

function varint64Size(v: bigint): number {
  let n = 1;
  while (v > 0x7fn) {
    v >>= 7n;
    n++;
  }
  return n;
}

function writeVarint(out: Uint8Array, pos: number, v: number): number {
  while (v > 0x7f) {
    out[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[pos++] = v;
  return pos;
}

function writeVarint64(out: Uint8Array, pos: number, v: bigint): number {
  while (v > 0x7fn) {
    out[pos++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  out[pos++] = Number(v);
  return pos;
}

// UTF-8 length as TextEncoder encodes: a lone surrogate becomes U+FFFD (3 bytes).
function utf8Length(text: string): number {
  const len = text.length;
  let n = len;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      n += 1;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < len) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        n += 2; // 4 bytes for 2 code units
        i++;
      } else {
        n += 2;
      }
    } else {
      n += 2;
    }
  }
  return n;
}
