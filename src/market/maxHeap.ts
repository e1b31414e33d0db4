/**
 * A max-heap of (value, key) with lazy deletion: `set` pushes a new entry and `top` drops entries
 * whose value is no longer the key's current value. Used to track the largest per-account load while
 * loads go up and down during clearing.
 */
export class LazyMaxHeap {
  private readonly values: bigint[] = [];
  private readonly keys: number[] = [];
  private readonly current: bigint[];

  constructor(size: number) {
    this.current = new Array<bigint>(size).fill(0n);
  }

  /** The current value of `key` (0 until set). */
  get(key: number): bigint {
    return this.current[key] as bigint;
  }

  /** Sets `key`'s current value. */
  set(key: number, value: bigint): void {
    this.current[key] = value;
    if (value > 0n) this.push(value, key);
  }

  /**
   * The keys with the largest current values, at most `count`, largest first (ties in heap order);
   * keys at 0 are not listed.
   */
  top(count: number): { key: number; value: bigint }[] {
    const found: { key: number; value: bigint }[] = [];
    const seen = new Set<number>();
    while (found.length < count && this.values.length > 0) {
      const value = this.values[0] as bigint;
      const key = this.keys[0] as number;
      this.pop();
      if (value !== this.current[key] || seen.has(key)) continue;
      seen.add(key);
      found.push({ key, value });
    }
    for (const { key, value } of found) this.push(value, key);
    return found;
  }

  private push(value: bigint, key: number): void {
    const values = this.values;
    const keys = this.keys;
    let i = values.length;
    values.push(value);
    keys.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((values[parent] as bigint) >= value) break;
      values[i] = values[parent] as bigint;
      keys[i] = keys[parent] as number;
      i = parent;
    }
    values[i] = value;
    keys[i] = key;
  }

  private pop(): void {
    const values = this.values;
    const keys = this.keys;
    const lastValue = values.pop() as bigint;
    const lastKey = keys.pop() as number;
    const n = values.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && (values[right] as bigint) > (values[left] as bigint) ? right : left;
      if ((values[child] as bigint) <= lastValue) break;
      values[i] = values[child] as bigint;
      keys[i] = keys[child] as number;
      i = child;
    }
    values[i] = lastValue;
    keys[i] = lastKey;
  }
}
