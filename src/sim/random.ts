/**
 * Counter-based randomness for the simulator: every draw is a pure function of the seed, a stream
 * (one per device or per province) and integer coordinates (a day, an interval, a knot). Any interval
 * can be recomputed on its own, in any order, and always gives the same numbers — which is what lets a
 * restarted simulator re-publish an interval byte for byte.
 */

/** Finaliser of MurmurHash3 (Appleby): a 32-bit integer to a well-mixed 32-bit integer. */
function fmix32(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** A 32-bit hash of a sequence of integers (each taken modulo 2^32). */
export function hash32(...values: number[]): number {
  let h = 0x9e3779b9;
  for (const value of values) {
    // Split so that day or interval numbers beyond 2^32 still change the hash.
    const low = value >>> 0;
    const high = Math.floor(value / 4_294_967_296) >>> 0;
    h = fmix32(h ^ fmix32(low + 0x7f4a7c15));
    if (high !== 0) h = fmix32(h ^ fmix32(high + 0x165667b1));
  }
  return h;
}

/** A uniform number in [0, 1) determined by the given integers. */
export function unit(...values: number[]): number {
  return hash32(...values) / 4_294_967_296;
}

/** FNV-1a of a string's UTF-16 code units: stable 32-bit stream ids from device names. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Smooth noise in [0, 1) along a time axis: uniform values at knots `knotSeconds` apart, joined by
 * cosine interpolation, so neighbouring instants are correlated (wind, passing clouds).
 */
export function valueNoise(seed: number, stream: number, t: number, knotSeconds: number): number {
  const x = t / knotSeconds;
  const k = Math.floor(x);
  const f = x - k;
  const w = (1 - Math.cos(Math.PI * f)) / 2;
  return unit(seed, stream, k) * (1 - w) + unit(seed, stream, k + 1) * w;
}

/** Linear mix of `a` and `b`: `a` at 0, `b` at 1. */
export function lerp(a: number, b: number, f: number): number {
  return a + (b - a) * f;
}

/** `value` clamped into [min, max]. */
export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
