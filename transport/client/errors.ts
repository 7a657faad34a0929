// Mistakes in how a client is built fail at once, synchronously, with a stable code, so a
// service refuses to start with a bad endpoint instead of failing on its first call.

/** What was wrong with the client's options. */
export type ClientErrorCode =
  /** The endpoint string is not `discovery:///name`, `direct:///host:port,…` or a URL. */
  | "invalid_endpoint"
  /** A `discovery:///` endpoint was given without a `discovery`. */
  | "missing_discovery"
  /** `protocol` is not `connect`, `grpc-web` or `grpc`, or does not fit the endpoint. */
  | "invalid_protocol";

/** An error in `createClient`'s arguments. */
export class ClientError extends Error {
  /** The kind of mistake. */
  readonly code: ClientErrorCode;

  /** Creates an error of kind `code`. */
  constructor(code: ClientErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ClientError";
    this.code = code;
  }
}
