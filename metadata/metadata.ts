// Kratos's metadata.Metadata: case-insensitive keys (stored lower-case), several values per key.

// Set in the class's static block: builds lazy metadata from a shared fill and its source, for
// the server middleware (see lazyMetadata).
let lazyFrom: <T>(fill: (md: Metadata, source: T) => void, source: T) => Metadata;

/** Request metadata: lower-case keys, each with one or more values in order. */
export class Metadata {
  // Created on first use: the server middleware makes one per call, and most calls never read it.
  #store: Map<string, string[]> | undefined;
  #fill: ((md: Metadata, source: unknown) => void) | undefined;
  #source: unknown;

  static {
    lazyFrom = (fill, source) => {
      const md = new Metadata();
      md.#fill = fill as (md: Metadata, source: unknown) => void;
      md.#source = source;
      return md;
    };
  }

  /**
   * Metadata that `fill` populates on first use: the server middleware captures headers this
   * way, so calls whose handlers never read metadata pay nothing for it.
   */
  static lazy(fill: (md: Metadata) => void): Metadata {
    return lazyFrom(fill, undefined);
  }

  get #map(): Map<string, string[]> {
    const fill = this.#fill;
    if (fill !== undefined) {
      const source = this.#source;
      this.#fill = undefined;
      this.#source = undefined;
      fill(this, source);
    }
    return this.#store ??= new Map();
  }

  /** Creates metadata from `{ key: value | values }` pairs. */
  constructor(init?: Readonly<Record<string, string | readonly string[]>>) {
    if (init === undefined) return;
    for (const [k, v] of Object.entries(init)) {
      for (const value of typeof v === "string" ? [v] : v) this.add(k, value);
    }
  }

  /** The first value of `key`, or `undefined`. */
  get(key: string): string | undefined {
    return this.#map.get(key.toLowerCase())?.[0];
  }

  /** Every value of `key` (empty when absent). */
  values(key: string): string[] {
    return [...(this.#map.get(key.toLowerCase()) ?? [])];
  }

  /** Replaces the values of `key`. */
  set(key: string, ...values: string[]): this {
    if (values.length === 0) this.#map.delete(key.toLowerCase());
    else this.#map.set(key.toLowerCase(), [...values]);
    return this;
  }

  /** Appends a value to `key`. */
  add(key: string, value: string): this {
    const k = key.toLowerCase();
    const list = this.#map.get(k);
    if (list) list.push(value);
    else this.#map.set(k, [value]);
    return this;
  }

  /** Removes `key`. */
  delete(key: string): this {
    this.#map.delete(key.toLowerCase());
    return this;
  }

  /** Whether `key` has a value. */
  has(key: string): boolean {
    return this.#map.has(key.toLowerCase());
  }

  /** The keys, lower-case, in insertion order. */
  keys(): string[] {
    return [...this.#map.keys()];
  }

  /** Number of keys. */
  get size(): number {
    return this.#map.size;
  }

  /** Iterates `[key, values]` pairs. */
  [Symbol.iterator](): IterableIterator<[string, string[]]> {
    return [...this.#map.entries()].map(([k, v]) => [k, [...v]] as [string, string[]])
      [Symbol.iterator]();
  }

  /** A deep copy. */
  clone(): Metadata {
    const out = new Metadata();
    for (const [k, v] of this.#map) out.#map.set(k, [...v]);
    return out;
  }

  /** A copy with `others` merged in; later values replace earlier ones per key. */
  merge(...others: readonly Metadata[]): Metadata {
    const out = this.clone();
    for (const other of others) for (const [k, v] of other) out.set(k, ...v);
    return out;
  }

  /** A plain object, `{ key: [values] }`. */
  toJSON(): Record<string, string[]> {
    return Object.fromEntries([...this.#map].map(([k, v]) => [k, [...v]]));
  }
}

/**
 * Metadata that `fill(md, source)` populates on first use, like `Metadata.lazy`, with one `fill`
 * shared by every call instead of a closure per call (not exported from `metadata/mod.ts`).
 */
export function lazyMetadata<T>(fill: (md: Metadata, source: T) => void, source: T): Metadata {
  return lazyFrom(fill, source);
}
