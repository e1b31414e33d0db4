/**
 * A max-heap of keys by a value that only goes down (after `init`): `decrease` only records the new
 * value, and `top` re-files an entry it finds above its key's current value. Stale entries only
 * overestimate, so `upperBound` (the top entry, unchecked) is never below the largest current value.
 * Tracks the per-account loads while trades are paired.
 */
export class LazyMaxHeap {
  private readonly values: number[] = [];
  private readonly keys: number[] = [];
  private readonly current: Float64Array;

  constructor(size: number) {
    this.current = new Float64Array(size);
  }

  /** The current value of `key` (0 until set). */
  get(key: number): number {
    return this.current[key] as number;
  }

  /** Files `key` with its first value. */
  init(key: number, value: number): void {
    this.current[key] = value;
    if (value > 0) this.push(value, key);
  }

  /** Lowers `key`'s current value by `amount`. */
  decrease(key: number, amount: number): void {
    this.current[key] = (this.current[key] as number) - amount;
  }

  /** At least the largest current value (0 when empty). */
  upperBound(): number {
    return this.values[0] ?? 0;
  }

  /**
   * The keys with the largest current values, at most `count`, largest first (ties in heap order);
   * keys at 0 are not listed.
   */
  top(count: number): { key: number; value: number }[] {
    const found: { key: number; value: number }[] = [];
    const seen = new Set<number>();
    while (found.length < count && this.values.length > 0) {
      const value = this.values[0] as number;
      const key = this.keys[0] as number;
      this.pop();
      const current = this.current[key] as number;
      if (seen.has(key)) continue;
      if (value !== current) {
        if (current > 0) this.push(current, key);
        continue;
      }
      seen.add(key);
      found.push({ key, value });
    }
    for (const { key, value } of found) this.push(value, key);
    return found;
  }

  private push(value: number, key: number): void {
    const values = this.values;
    const keys = this.keys;
    let i = values.length;
    values.push(value);
    keys.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((values[parent] as number) >= value) break;
      values[i] = values[parent] as number;
      keys[i] = keys[parent] as number;
      i = parent;
    }
    values[i] = value;
    keys[i] = key;
  }

  private pop(): void {
    const values = this.values;
    const keys = this.keys;
    const lastValue = values.pop() as number;
    const lastKey = keys.pop() as number;
    const n = values.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && (values[right] as number) > (values[left] as number) ? right : left;
      if ((values[child] as number) <= lastValue) break;
      values[i] = values[child] as number;
      keys[i] = keys[child] as number;
      i = child;
    }
    values[i] = lastValue;
    keys[i] = lastKey;
  }
}
