// A set of in-flight things that a server adds and removes once per call: slots in one array with
// a free list, so adding and removing cost no hashing, and a table that shrinks as calls end and
// grows as they start again allocates nothing once it has reached the peak.

/** Members held in numbered slots; `add` returns the slot that `delete` is given back. */
export class SlotSet<T> {
  #items: (T | undefined)[] = [];
  #free: number[] = [];

  /** Adds `item`; returns its slot. */
  add(item: T): number {
    const slot = this.#free.pop() ?? this.#items.length;
    this.#items[slot] = item;
    return slot;
  }

  /** Removes `item` from `slot` (nothing if the slot holds something else). */
  delete(item: T, slot: number): void {
    if (this.#items[slot] !== item) return;
    this.#items[slot] = undefined;
    this.#free.push(slot);
  }

  /** How many members there are. */
  get size(): number {
    return this.#items.length - this.#free.length;
  }

  /** Calls `fn` for every member (members `fn` removes or adds meanwhile may be skipped). */
  forEach(fn: (item: T) => void): void {
    const items = this.#items;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (item !== undefined) fn(item);
    }
  }
}
