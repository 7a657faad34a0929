// One Connect-ES transport per node, reused across calls. When discovery drops a node, its
// transport is closed once the calls still running on it end, so an instance that left does
// not keep HTTP/2 sessions (and the process) alive.
import { type Node, nodeKey } from "../../selector/mod.ts";
import type { Transport } from "@connectrpc/connect";
import type { NodeTransport } from "./protocol.ts";

/** A node's transport as the pool holds it; `hold` hands it out for one call. */
export interface Held {
  /** The node's transport, being built or built. */
  readonly built: Promise<NodeTransport>;
  /** The transport once built, so a call on a known node need not wait for a promise. */
  ready: NodeTransport | undefined;
  /** Calls holding it; a stale entry is closed when the last one ends. */
  inFlight: number;
  /** Replaced or dropped from the pool (closed once no call holds it). */
  stale: boolean;
}

/** A lease on a node's transport; `release()` when the call ends. */
export interface Lease {
  /** The node's transport. */
  readonly transport: Promise<Transport>;
  /** Ends the lease (idempotent). */
  release(): void;
}

/** The transports of the nodes a client currently knows. */
export class NodePool {
  readonly #entries = new Map<string, Held>();
  readonly #build: (node: Node) => Promise<NodeTransport>;
  #closed = false;

  /** A pool building each node's transport with `build`. */
  constructor(build: (node: Node) => Promise<NodeTransport>) {
    this.#build = build;
  }

  /** The transport of `node`, built on first use. */
  acquire(node: Node): Lease {
    const held = this.hold(node);
    let released = false;
    return {
      transport: held.built.then((t) => t.transport),
      release: () => {
        if (released) return;
        released = true;
        this.drop(held);
      },
    };
  }

  /**
   * `node`'s entry, counted as in use until `drop(held)` (once): what `acquire` does without
   * a lease object and a promise per call, for the unary path.
   */
  hold(node: Node): Held {
    const key = nodeKey(node);
    let entry = this.#entries.get(key);
    if (entry === undefined || entry.stale) {
      const made: Held = {
        built: this.#build(node),
        ready: undefined,
        inFlight: 0,
        stale: this.#closed,
      };
      made.built.then(
        (t) => (made.ready = t),
        () => this.#entries.get(key) === made && this.#entries.delete(key),
      );
      if (!this.#closed) this.#entries.set(key, made);
      entry = made;
    }
    entry.inFlight++;
    return entry;
  }

  /** Ends one `hold` of `held`. */
  drop(held: Held): void {
    if (--held.inFlight === 0 && held.stale) dispose(held);
  }

  /** Keeps the transports of `nodes`; the others close once idle. */
  retain(nodes: readonly Node[]): void {
    const keep = new Set(nodes.map(nodeKey));
    for (const [key, entry] of this.#entries) {
      if (keep.has(key)) continue;
      this.#entries.delete(key);
      entry.stale = true;
      if (entry.inFlight === 0) dispose(entry);
    }
  }

  /** Closes every transport once its calls end; later acquisitions are closed after use. */
  close(): void {
    this.#closed = true;
    this.retain([]);
  }
}

function dispose(entry: Held): void {
  entry.built.then((t) => t.close(), () => {});
}
