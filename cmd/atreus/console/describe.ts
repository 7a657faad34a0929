// The API view of reflected descriptors: packages → services → methods, with every message and
// enum they reach (fields, types, oneofs, comments where the descriptors carry source info) and
// a JSON request template per method for the call editor. Everything is read from protobuf-es
// descriptors, never from the raw FileDescriptorProtos.
import {
  type DescEnum,
  type DescField,
  type DescMessage,
  type DescMethod,
  type DescService,
  type FileRegistry,
  ScalarType,
} from "@bufbuild/protobuf";
import { getComments } from "@bufbuild/protoplugin";
import type {
  DescribeResult,
  EnumView,
  FieldView,
  MessageView,
  MethodView,
  ServiceView,
} from "./protocol.ts";

type Commented = Parameters<typeof getComments>[0];

/** Services a console never shows: the reflection it just used. */
const HIDDEN = new Set([
  "grpc.reflection.v1.ServerReflection",
  "grpc.reflection.v1alpha.ServerReflection",
]);

/** Describes `services` (names as reflection listed them) from `registry`. */
export function describe(
  registry: FileRegistry,
  services: readonly string[],
  where: { instance: string; endpoint: string; reflection: string },
): DescribeResult {
  const messages: Record<string, MessageView> = {};
  const enums: Record<string, EnumView> = {};
  const packages = new Map<string, ServiceView[]>();
  for (const name of [...services].sort()) {
    if (HIDDEN.has(name)) continue;
    const service = registry.getService(name);
    if (service === undefined) continue;
    const view = serviceView(service, messages, enums);
    const list = packages.get(view.package) ?? [];
    list.push(view);
    packages.set(view.package, list);
  }
  return {
    ...where,
    // The service's own packages first, gRPC's built-ins (health) after them.
    packages: [...packages].sort(([a], [b]) =>
      packageOrder(a) - packageOrder(b) || (a < b ? -1 : a > b ? 1 : 0)
    )
      .map(([name, services]) => ({ name, services })),
    messages,
    enums,
  };
}

function packageOrder(name: string): number {
  return name === "grpc" || name.startsWith("grpc.") ? 1 : 0;
}

function comment(desc: Commented): string | undefined {
  const c = getComments(desc);
  const text = [c.leading, c.trailing].filter((t) => t !== undefined && t.trim() !== "")
    .map((t) => t!.trim()).join("\n");
  return text === "" ? undefined : text;
}

function withComment<T extends object>(view: T, desc: Commented): T & { comment?: string } {
  const c = comment(desc);
  return c === undefined ? view : { ...view, comment: c };
}

function serviceView(
  service: DescService,
  messages: Record<string, MessageView>,
  enums: Record<string, EnumView>,
): ServiceView {
  return withComment({
    typeName: service.typeName,
    package: service.file.proto.package,
    file: service.file.proto.name,
    methods: service.methods.map((m) => methodView(m, messages, enums)),
  }, service);
}

function methodView(
  method: DescMethod,
  messages: Record<string, MessageView>,
  enums: Record<string, EnumView>,
): MethodView {
  addMessage(method.input, messages, enums);
  addMessage(method.output, messages, enums);
  const idempotency = method.idempotency === 1
    ? "NO_SIDE_EFFECTS"
    : method.idempotency === 2
    ? "IDEMPOTENT"
    : undefined;
  const sample = template(method.input, new Set());
  const streamsIn = method.methodKind === "client_streaming" ||
    method.methodKind === "bidi_streaming";
  return withComment({
    name: method.name,
    path: `/${method.parent.typeName}/${method.name}`,
    kind: method.methodKind,
    input: method.input.typeName,
    output: method.output.typeName,
    ...(idempotency ? { idempotency } : {}),
    template: JSON.stringify(streamsIn ? [sample] : sample, null, 2),
  }, method);
}

// Well-known types whose JSON form is not an object of their fields: shown, not expanded.
const WKT_JSON = new Set([
  "google.protobuf.Timestamp",
  "google.protobuf.Duration",
  "google.protobuf.FieldMask",
  "google.protobuf.Struct",
  "google.protobuf.Value",
  "google.protobuf.ListValue",
  "google.protobuf.Any",
  "google.protobuf.DoubleValue",
  "google.protobuf.FloatValue",
  "google.protobuf.Int64Value",
  "google.protobuf.UInt64Value",
  "google.protobuf.Int32Value",
  "google.protobuf.UInt32Value",
  "google.protobuf.BoolValue",
  "google.protobuf.StringValue",
  "google.protobuf.BytesValue",
  "google.protobuf.Empty",
]);

function addMessage(
  message: DescMessage,
  messages: Record<string, MessageView>,
  enums: Record<string, EnumView>,
): void {
  if (message.typeName in messages) return;
  const wkt = WKT_JSON.has(message.typeName);
  // Registered before the fields are walked, so recursive types end.
  messages[message.typeName] = { typeName: message.typeName, fields: [], ...(wkt ? { wkt } : {}) };
  const fields = wkt ? [] : message.fields.map((f) => fieldView(f, messages, enums));
  messages[message.typeName] = withComment({
    typeName: message.typeName,
    fields,
    ...(wkt ? { wkt } : {}),
  }, message);
}

function addEnum(e: DescEnum, enums: Record<string, EnumView>): void {
  if (e.typeName in enums) return;
  enums[e.typeName] = withComment({
    typeName: e.typeName,
    values: e.values.map((v) => withComment({ name: v.name, number: v.number }, v)),
  }, e);
}

/** The proto spelling of a scalar type. */
export function scalarName(scalar: ScalarType): string {
  return ScalarType[scalar].toLowerCase();
}

function fieldView(
  field: DescField,
  messages: Record<string, MessageView>,
  enums: Record<string, EnumView>,
): FieldView {
  let type: string;
  let typeName: string | undefined;
  const refer = (m: DescMessage | undefined, e: DescEnum | undefined): string | undefined => {
    if (m !== undefined) {
      addMessage(m, messages, enums);
      return m.typeName;
    }
    if (e !== undefined) {
      addEnum(e, enums);
      return e.typeName;
    }
    return undefined;
  };
  switch (field.fieldKind) {
    case "scalar":
      type = scalarName(field.scalar);
      break;
    case "enum":
      typeName = refer(undefined, field.enum);
      type = typeName!;
      break;
    case "message":
      typeName = refer(field.message, undefined);
      type = typeName!;
      break;
    case "list":
      typeName = field.listKind === "scalar" ? undefined : refer(
        field.listKind === "message" ? field.message : undefined,
        field.listKind === "enum" ? field.enum : undefined,
      );
      type = typeName ?? scalarName(field.scalar!);
      break;
    case "map": {
      typeName = field.mapKind === "scalar" ? undefined : refer(
        field.mapKind === "message" ? field.message : undefined,
        field.mapKind === "enum" ? field.enum : undefined,
      );
      type = `map<${scalarName(field.mapKey)}, ${typeName ?? scalarName(field.scalar!)}>`;
      break;
    }
  }
  const label = field.fieldKind === "list"
    ? "repeated"
    : field.proto.label === 2
    ? "required"
    : field.presence === 1 && field.oneof === undefined && field.fieldKind !== "message"
    ? "optional"
    : undefined;
  return withComment({
    name: field.name,
    jsonName: field.jsonName,
    number: field.number,
    kind: field.fieldKind,
    type,
    ...(typeName ? { typeName } : {}),
    ...(field.oneof ? { oneof: field.oneof.name } : {}),
    ...(label ? { label } : {}),
    ...(field.deprecated ? { deprecated: true } : {}),
  }, field);
}

const WKT_SAMPLES: Readonly<Record<string, unknown>> = {
  "google.protobuf.Timestamp": "1970-01-01T00:00:00Z",
  "google.protobuf.Duration": "1s",
  "google.protobuf.FieldMask": "",
  "google.protobuf.Struct": {},
  "google.protobuf.Value": null,
  "google.protobuf.ListValue": [],
  "google.protobuf.Any": {},
  "google.protobuf.Empty": {},
  "google.protobuf.DoubleValue": 0,
  "google.protobuf.FloatValue": 0,
  "google.protobuf.Int64Value": "0",
  "google.protobuf.UInt64Value": "0",
  "google.protobuf.Int32Value": 0,
  "google.protobuf.UInt32Value": 0,
  "google.protobuf.BoolValue": false,
  "google.protobuf.StringValue": "",
  "google.protobuf.BytesValue": "",
};

function scalarSample(scalar: ScalarType): unknown {
  switch (scalar) {
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return "";
    case ScalarType.BOOL:
      return false;
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return "0";
    default:
      return 0;
  }
}

function enumSample(e: DescEnum): string {
  // The zero value is the "unspecified" one by convention; a real value is a better template.
  return (e.values.find((v) => v.number !== 0) ?? e.values[0])?.name ?? "";
}

/**
 * A JSON value of `message` with every field at a sample value (the first member of each
 * oneof only, since JSON may set one); a message met again inside itself is left `{}`.
 */
export function template(message: DescMessage, path: Set<string>): unknown {
  if (message.typeName in WKT_SAMPLES) return WKT_SAMPLES[message.typeName];
  if (path.has(message.typeName)) return {};
  path.add(message.typeName);
  const out: Record<string, unknown> = {};
  const oneofs = new Set<string>();
  for (const field of message.fields) {
    if (field.oneof !== undefined) {
      if (oneofs.has(field.oneof.name)) continue;
      oneofs.add(field.oneof.name);
    }
    out[field.jsonName] = fieldSample(field, path);
  }
  path.delete(message.typeName);
  return out;
}

function fieldSample(field: DescField, path: Set<string>): unknown {
  const one = (): unknown => {
    switch (field.fieldKind) {
      case "scalar":
        return scalarSample(field.scalar);
      case "enum":
        return enumSample(field.enum);
      case "message":
        return template(field.message, path);
      case "list":
        return field.listKind === "message"
          ? template(field.message, path)
          : field.listKind === "enum"
          ? enumSample(field.enum)
          : scalarSample(field.scalar);
      case "map":
        return field.mapKind === "message"
          ? template(field.message, path)
          : field.mapKind === "enum"
          ? enumSample(field.enum)
          : scalarSample(field.scalar);
    }
  };
  if (field.fieldKind === "list") return [one()];
  if (field.fieldKind === "map") {
    const key = scalarSample(field.mapKey);
    return { [key === false ? "true" : String(key === "" ? "key" : key)]: one() };
  }
  return one();
}
