// An OpenAPI 3.1 document for the REST routes of a set of services, built from their
// descriptors and google.api.http rules: paths with path, query and body parameters, message and
// enum schemas (protojson shapes), and the Kratos error body.
import type { DescEnum, DescField, DescMessage, DescService } from "@bufbuild/protobuf";
import { ScalarType } from "@bufbuild/protobuf";
import type { ServiceDesc } from "../../internal/contract.ts";
import { descServices } from "../adapter.ts";
import { type CommentIndex, indexComments } from "./comments.ts";
import { type Binding, bindingsOf, fieldAtPath } from "./rule.ts";
import { type Segment, segmentsText } from "./template.ts";

/** Options of `openapiDocument`. */
export interface OpenApiOptions {
  /** `info.title` (default: the service names). */
  readonly title?: string;
  /** `info.version` (default `"0.0.0"`). */
  readonly version?: string;
  /** `info.description`. */
  readonly description?: string;
  /** Server URLs to list. */
  readonly servers?: readonly string[];
  /** A serialized FileDescriptorSet with source info, for descriptions from proto comments. */
  readonly descriptors?: Uint8Array;
  /** Use proto field names in schemas (match the server's REST JSON options). */
  readonly useProtoFieldName?: boolean;
}

/** A JSON value of the document. */
export type OpenApiDocument = Record<string, unknown>;

type Schema = Record<string, unknown>;

const ERROR_REF = "#/components/schemas/atreus.Error";

/** Builds the OpenAPI 3.1 document of the services' REST routes. */
export function openapiDocument(
  services: readonly ServiceDesc[],
  options: OpenApiOptions = {},
): OpenApiDocument {
  const comments = options.descriptors ? indexComments(options.descriptors) : new Map();
  const ctx = new Builder(comments, options.useProtoFieldName ?? false);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const service of descServices(services)) {
    for (const method of service.methods) {
      bindingsOf(method).forEach((binding, i) => {
        const path = openapiPath(binding.template.segments, binding.template.verb);
        const item = paths[path] ??= {};
        item[binding.verb.toLowerCase()] = ctx.operation(service, binding, i);
      });
    }
  }
  const doc: OpenApiDocument = {
    openapi: "3.1.0",
    info: {
      title: options.title ?? services.map((s) => s.name).join(", "),
      version: options.version ?? "0.0.0",
      ...(options.description ? { description: options.description } : {}),
    },
    ...(options.servers?.length ? { servers: options.servers.map((url) => ({ url })) } : {}),
    paths,
    components: { schemas: ctx.schemas },
  };
  return doc;
}

function openapiPath(segments: readonly Segment[], verb: string | undefined): string {
  let wild = 0;
  const part = (s: Segment): string => {
    switch (s.kind) {
      case "literal":
        return s.value;
      case "variable":
        return `{${s.field}}`;
      default:
        return `{_${wild++}}`;
    }
  };
  return `/${segments.map(part).join("/")}${verb ? `:${verb}` : ""}`;
}

class Builder {
  readonly schemas: Record<string, Schema> = {
    "atreus.Error": {
      type: "object",
      description: "An error: HTTP status code, machine-readable reason, message and metadata.",
      properties: {
        code: { type: "integer", description: "HTTP status code." },
        reason: { type: "string", description: "Machine-readable reason, e.g. USER_NOT_FOUND." },
        message: { type: "string", description: "Human-readable message." },
        metadata: {
          type: "object",
          additionalProperties: { type: "string" },
          description: "Details as string pairs.",
        },
      },
      required: ["code", "reason", "message", "metadata"],
    },
  };

  constructor(readonly comments: CommentIndex, readonly protoNames: boolean) {}

  operation(service: DescService, binding: Binding, index: number): Record<string, unknown> {
    const method = binding.method;
    const parameters: Record<string, unknown>[] = [];
    const pathFields = new Set(binding.template.variables);
    const variables = (segments: readonly Segment[]) => {
      for (const s of segments) {
        if (s.kind !== "variable") continue;
        const field = fieldAtPath(method.input, s.field);
        const pattern = segmentsText(s.segments);
        parameters.push({
          name: s.field,
          in: "path",
          required: true,
          schema: field ? this.fieldSchema(field) : { type: "string" },
          ...(pattern !== "*" ? { description: `Matches ${pattern}.` } : {}),
        });
      }
    };
    variables(binding.template.segments);
    if (binding.body !== "*") {
      for (const q of this.queryParameters(method.input, "", pathFields, binding.body, 0)) {
        parameters.push(q);
      }
    }
    const op: Record<string, unknown> = {
      operationId: index === 0
        ? `${service.name}_${method.name}`
        : `${service.name}_${method.name}${index + 1}`,
      tags: [service.name],
      ...this.describe(`${service.typeName}.${method.name}`),
      ...(parameters.length ? { parameters } : {}),
    };
    if (binding.body !== "") {
      const schema = binding.body === "*"
        ? this.ref(method.input)
        : this.fieldSchema(method.input.fields.find((f) => f.name === binding.body)!);
      op.requestBody = { required: true, content: { "application/json": { schema } } };
    }
    const output = binding.responseBody === ""
      ? this.ref(method.output)
      : this.fieldSchema(method.output.fields.find((f) => f.name === binding.responseBody)!);
    const streaming = method.methodKind === "server_streaming";
    op.responses = {
      "200": {
        description: streaming ? "A stream of messages." : "OK",
        content: streaming
          ? {
            "application/x-ndjson": { schema: output },
            "text/event-stream": { schema: output },
          }
          : { "application/json": { schema: output } },
      },
      default: {
        description: "An error.",
        content: { "application/json": { schema: { $ref: ERROR_REF } } },
      },
    };
    return op;
  }

  // Query parameters for the fields not bound by path or body, flattening singular messages
  // into dotted names (a few levels deep; recursive messages stop there).
  queryParameters(
    message: DescMessage,
    prefix: string,
    pathFields: Set<string>,
    body: string,
    depth: number,
  ): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const field of message.fields) {
      const name = `${prefix}${field.name}`;
      if (pathFields.has(name) || (prefix === "" && field.name === body)) continue;
      if (field.fieldKind === "map") continue;
      if (field.fieldKind === "message" && !isStringLike(field.message)) {
        if (depth < 3) {
          out.push(...this.queryParameters(field.message, `${name}.`, pathFields, body, depth + 1));
        }
        continue;
      }
      if (
        field.fieldKind === "list" && field.listKind === "message" && !isStringLike(field.message)
      ) {
        continue;
      }
      out.push({
        name,
        in: "query",
        required: false,
        schema: this.fieldSchema(field),
        ...(field.fieldKind === "list" ? { style: "form", explode: true } : {}),
        ...this.describe(`${message.typeName}.${field.name}`),
      });
    }
    return out;
  }

  describe(name: string): { description?: string } {
    const c = this.comments.get(name);
    return c ? { description: c } : {};
  }

  ref(message: DescMessage): Schema {
    const wkt = wktSchema(message);
    if (wkt) return wkt;
    if (!(message.typeName in this.schemas)) {
      this.schemas[message.typeName] = {}; // placeholder first: messages may be recursive
      const properties: Record<string, Schema> = {};
      for (const field of message.fields) {
        properties[this.protoNames ? field.name : field.jsonName] = {
          ...this.fieldSchema(field),
          ...this.describe(`${message.typeName}.${field.name}`),
        };
      }
      this.schemas[message.typeName] = {
        type: "object",
        ...this.describe(message.typeName),
        properties,
      };
    }
    return { $ref: `#/components/schemas/${message.typeName}` };
  }

  enumRef(e: DescEnum): Schema {
    if (!(e.typeName in this.schemas)) {
      this.schemas[e.typeName] = {
        type: "string",
        enum: e.values.map((v) => v.name),
        ...this.describe(e.typeName),
      };
    }
    return { $ref: `#/components/schemas/${e.typeName}` };
  }

  fieldSchema(field: DescField): Schema {
    switch (field.fieldKind) {
      case "scalar":
        return scalarSchema(field.scalar);
      case "enum":
        return this.enumRef(field.enum);
      case "message":
        return this.ref(field.message);
      case "list":
        return {
          type: "array",
          items: field.listKind === "scalar"
            ? scalarSchema(field.scalar)
            : field.listKind === "enum"
            ? this.enumRef(field.enum)
            : this.ref(field.message),
        };
      case "map":
        return {
          type: "object",
          additionalProperties: field.mapKind === "scalar"
            ? scalarSchema(field.scalar)
            : field.mapKind === "enum"
            ? this.enumRef(field.enum)
            : this.ref(field.message),
        };
    }
  }
}

function isStringLike(message: DescMessage): boolean {
  const t = wktSchema(message)?.type;
  return t !== undefined && t !== "object";
}

function scalarSchema(type: ScalarType): Schema {
  switch (type) {
    case ScalarType.STRING:
      return { type: "string" };
    case ScalarType.BYTES:
      return { type: "string", contentEncoding: "base64" };
    case ScalarType.BOOL:
      return { type: "boolean" };
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return { type: "integer", format: "int32" };
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return { type: "integer", format: "int32", minimum: 0 };
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      // protojson writes 64-bit integers as strings (they exceed JavaScript's safe range).
      return { type: ["string", "integer"], format: "int64" };
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return { type: ["string", "integer"], format: "uint64" };
    case ScalarType.FLOAT:
      return { type: "number", format: "float" };
    case ScalarType.DOUBLE:
      return { type: "number", format: "double" };
  }
}

// protojson shapes of the well-known types.
function wktSchema(message: DescMessage): Schema | undefined {
  switch (message.typeName) {
    case "google.protobuf.Timestamp":
      return { type: "string", format: "date-time" };
    case "google.protobuf.Duration":
      return { type: "string", pattern: "^-?[0-9]+(\\.[0-9]{1,9})?s$" };
    case "google.protobuf.FieldMask":
      return { type: "string", description: "Comma-separated field paths." };
    case "google.protobuf.Struct":
      return { type: "object", additionalProperties: true };
    case "google.protobuf.Value":
      return {};
    case "google.protobuf.ListValue":
      return { type: "array" };
    case "google.protobuf.Empty":
      return { type: "object" };
    case "google.protobuf.Any":
      return { type: "object", properties: { "@type": { type: "string" } } };
    case "google.protobuf.StringValue":
      return { type: ["string", "null"] };
    case "google.protobuf.BytesValue":
      return { type: ["string", "null"], contentEncoding: "base64" };
    case "google.protobuf.BoolValue":
      return { type: ["boolean", "null"] };
    case "google.protobuf.Int32Value":
    case "google.protobuf.UInt32Value":
      return { type: ["integer", "null"] };
    case "google.protobuf.Int64Value":
    case "google.protobuf.UInt64Value":
      return { type: ["string", "integer", "null"] };
    case "google.protobuf.FloatValue":
    case "google.protobuf.DoubleValue":
      return { type: ["number", "null"] };
    default:
      return undefined;
  }
}
