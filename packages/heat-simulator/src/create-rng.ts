/** A small seeded PRNG (mulberry32): the simulator's data must be identical for the same seed. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** Integer in [min, max]. */
  between(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  /** 32 uppercase hex characters, the shape of a HEAT RecId. */
  recId(): string;
}

export function createRng(seed: number): Rng {
  let state = seed >>> 0 || 0x9e3779b9;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    between: (min, max) => min + int(max - min + 1),
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new Error('createRng.pick: cannot pick from an empty list');
      return items[int(items.length)] as T;
    },
    chance: (p) => next() < p,
    recId() {
      let out = '';
      for (let i = 0; i < 4; i += 1) out += (int(0x100000000) >>> 0).toString(16).padStart(8, '0');
      return out.toUpperCase();
    },
  };
}
