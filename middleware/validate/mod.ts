/**
 * Request validation: `validate()` checks every request message against its protovalidate
 * rules (`buf.validate`) and fails a bad one with InvalidArgument and the field violations as
 * `BadRequest` details. Its own entry, so middleware that does not validate never loads
 * protovalidate.
 *
 * @example
 * ```ts
 * import { selector } from "@atreus/atreus/middleware";
 * import { validate } from "@atreus/atreus/middleware/validate";
 * const middleware = [selector(validate()).prefix("/helloworld.v1.Greeter/").build()];
 * ```
 * @module
 */
export { validate, type ValidateOptions } from "./validate.ts";
