/** An entry of a {@link TimeHeap}: when it is due, and a sequence number that orders entries due at once. */
export interface Timed {
  at: number;
  seq: number;
}

/**
 * A binary min-heap on (at, seq): the earliest entry first, entries due at the same instant in the order of
 * their sequence numbers. The local queue's visibility times and the virtual clock's timers both need it, so
 * pushes and pops stay O(log n) with thousands of messages in flight or timers waiting.
 */
export class TimeHeap<T extends Timed> {
  private items: T[] = [];

  /** Entries held. */
  get size(): number {
    return this.items.length;
  }

  /** The earliest entry, left in place. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** Drops every entry. */
  clear(): void {
    this.items = [];
  }

  /** Adds an entry. */
  push(entry: T): void {
    const a = this.items;
    a.push(entry);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(a[i]!, a[parent]!)) break;
      [a[i], a[parent]] = [a[parent]!, a[i]!];
      i = parent;
    }
  }

  /** Removes and returns the earliest entry. */
  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && before(a[l]!, a[m]!)) m = l;
        if (r < a.length && before(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

const before = (x: Timed, y: Timed) => x.at < y.at || (x.at === y.at && x.seq < y.seq);
