// Request validation with @bufbuild/protovalidate. A violation fails the call with
// InvalidArgument (HTTP 400, reason "VALIDATOR" as in Kratos) whose details carry the field
// violations twice: as google.rpc.BadRequest (readable by any gRPC client with the googleapis
// protos) and as buf.validate.Violations (readable by protovalidate clients).
import { create, type DescMessage } from "@bufbuild/protobuf";
import { pathToString } from "@bufbuild/protobuf/reflect";
import type { Validator } from "@bufbuild/protovalidate";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  BadRequest_FieldViolationSchema,
  BadRequestSchema,
  ErrorInfoSchema,
} from "../../internal/gen/google/rpc/error_details_pb.ts";
import type {
  CallRequest,
  CallResponse,
  Middleware,
  Next,
  ProtoMessage,
} from "../../internal/contract.ts";
import { lazy } from "../../internal/lazy.ts";

// Loaded by the first call, so a server that never validates never loads protovalidate.
const protovalidate = /* @__PURE__ */ lazy(() => import("@bufbuild/protovalidate"));
type Protovalidate = Awaited<ReturnType<typeof protovalidate>>;

/** Options of `validate`. */
export interface ValidateOptions {
  /** Stop at the first violation (default false: report all). */
  readonly failFast?: boolean;
}

/** Validates every request message (each message of a request stream, too). */
export function validate(options: ValidateOptions = {}): Middleware {
  let lib: Protovalidate | undefined;
  let validator: Validator | undefined;
  let ready: Promise<unknown> | undefined;
  const load = () =>
    ready ??= protovalidate().then((m) => {
      lib = m;
      validator = m.createValidator({ failFast: options.failFast ?? false });
    }, (error) => {
      ready = undefined;
      throw error;
    });
  // Per request type: whether it (or any message it holds) carries rules at all.
  const checked = new WeakMap<DescMessage, boolean>();
  return (next) => (req) => {
    const schema = req.method.input as unknown as DescMessage;
    // Plain HTTP routes carry no proto message to validate.
    if (!Array.isArray(schema.fields)) return next(req);
    let ruled = checked.get(schema);
    if (ruled === undefined) checked.set(schema, ruled = hasRules(schema));
    // protovalidate finds every message of a type without rules valid: no need to ask it.
    if (!ruled) return next(req);
    if (validator === undefined) {
      return load().then(() => validateThen(next, req, lib!, validator!, schema));
    }
    return validateThen(next, req, lib!, validator, schema);
  };
}

function validateThen(
  next: Next,
  req: CallRequest,
  lib: Protovalidate,
  validator: Validator,
  schema: DescMessage,
): Promise<CallResponse> {
  if (!req.stream) {
    check(lib, validator, schema, req.message);
    return next(req);
  }
  const messages = req.message;
  return next({
    ...req,
    message: (async function* () {
      for await (const m of messages) {
        check(lib, validator, schema, m);
        yield m;
      }
    })(),
  } as CallRequest);
}

function check(
  lib: Protovalidate,
  validator: Validator,
  schema: DescMessage,
  message: ProtoMessage,
): void {
  const result = validator.validate(schema, message as never);
  if (result.kind === "valid") return;
  if (result.kind === "error") {
    throw new ConnectError(
      `cannot validate ${schema.typeName}: ${result.error.message}`,
      Code.Internal,
      undefined,
      undefined,
      result.error,
    );
  }
  const fieldViolations = result.violations.map((v) =>
    create(BadRequest_FieldViolationSchema, {
      field: pathToString(v.field),
      description: v.message,
      reason: v.ruleId,
    })
  );
  const [violations, violationsSchema] = lib.violationsToProto(result.violations);
  const summary = fieldViolations.map((v) => `${v.field}: ${v.description}`).join("; ");
  throw new ConnectError(
    `invalid ${schema.typeName}: ${summary}`,
    Code.InvalidArgument,
    undefined,
    [
      {
        desc: ErrorInfoSchema,
        value: create(ErrorInfoSchema, { reason: "VALIDATOR", domain: "", metadata: {} }),
      },
      { desc: BadRequestSchema, value: create(BadRequestSchema, { fieldViolations }) },
      { desc: violationsSchema, value: violations },
    ],
  );
}

// The number of protovalidate's options: `(buf.validate.message)`, `(buf.validate.oneof)` and
// `(buf.validate.field)` all extend their descriptor's options with it.
const RULES_OPTION = 1159;

// protobuf-es keeps a descriptor's extension options as unknown fields, where protovalidate's
// getOption() reads them too.
function ruleOption(options: { $unknown?: { no: number }[] } | undefined): boolean {
  return options?.$unknown?.some((u) => u.no === RULES_OPTION) ?? false;
}

/**
 * Whether protovalidate would check anything in a message of `schema`: a rule on the message,
 * one of its oneofs or fields, or in a message it holds (fields, list items, map values), to
 * any depth. Only these options make it check anything (`legacyRequired` is not used here).
 */
export function hasRules(schema: DescMessage, seen = new Set<DescMessage>()): boolean {
  if (seen.has(schema)) return false;
  seen.add(schema);
  if (ruleOption(schema.proto.options)) return true;
  for (const oneof of schema.oneofs) if (ruleOption(oneof.proto.options)) return true;
  for (const field of schema.fields) {
    if (ruleOption(field.proto.options)) return true;
    const held = field.fieldKind === "message"
      ? field.message
      : field.fieldKind === "list" && field.listKind === "message"
      ? field.message
      : field.fieldKind === "map" && field.mapKind === "message"
      ? field.message
      : undefined;
    if (held !== undefined && hasRules(held, seen)) return true;
  }
  return false;
}
