// The selector's errors: callers (the client) branch on `code`; a client maps
// `no_available_node` to Unavailable, as Kratos maps ErrNoAvailable to 503.

/** What went wrong, as a stable machine-readable code. */
export type SelectorErrorCode =
  /** No node is known, or none passed the filters. */
  | "no_available_node"
  /** An endpoint could not be turned into a node. */
  | "invalid_endpoint";

/** An error raised by the selector package. */
export class SelectorError extends Error {
  /** The kind of failure. */
  readonly code: SelectorErrorCode;

  /** Creates an error of kind `code`. */
  constructor(code: SelectorErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SelectorError";
    this.code = code;
  }
}

/** Thrown by `pick()` when there is no node to choose. */
export class NoAvailableNodeError extends SelectorError {
  /** The service the pick was for (empty when the selector was not told). */
  readonly service: string;
  /** How many nodes the selector held before filtering. */
  readonly total: number;

  /** Creates the error for `service` with `total` nodes before filtering. */
  constructor(service: string, total: number) {
    super(
      "no_available_node",
      `selector: no available node${service ? ` for ${JSON.stringify(service)}` : ""}: ${
        total === 0 ? "no nodes known" : `none of ${total} node(s) passed the filters`
      }`,
    );
    this.name = "NoAvailableNodeError";
    this.service = service;
    this.total = total;
  }
}
