// The operation name of an RPC, `/pkg.Service/Method` (Kratos's transport `Operation()`), built
// in one place for the servers, the client and the middleware, and once per method: routing,
// selectors, breakers, retry and logging all ask for it on every call.

const operations = new WeakMap<object, string>();

/** `/pkg.Service/Method` of `method` in `service`. */
export function operationOf(
  service: { readonly typeName: string },
  method: { readonly name: string },
): string {
  let op = operations.get(method);
  if (op === undefined) {
    op = `/${service.typeName}/${method.name}`;
    operations.set(method, op);
  }
  return op;
}
