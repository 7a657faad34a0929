/**
 * REST transcoding from `google.api.http` annotations: rules are read from the registered
 * services' descriptors at server start and served as Hono routes by the HTTP server.
 * @module
 */
export { type Binding, bindingsOf, fieldAtPath } from "./rule.ts";
export { type RestCall, type RestHost, type RestJsonOptions, serveRest } from "./handler.ts";
export { negotiate } from "./negotiate.ts";
export { type OpenApiDocument, openapiDocument, type OpenApiOptions } from "./openapi.ts";
export { type CommentIndex, indexComments } from "./comments.ts";
export { compileTemplate, parseTemplate, shapeOf, type Template } from "./template.ts";
