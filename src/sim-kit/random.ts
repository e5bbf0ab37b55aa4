// Deterministic randomness: simulators must produce byte-identical data for one seed
// (test/simulators/common/random.test.ts, test/simulators/cloudlock/generate.test.ts).
export interface Rng {
  next(): number // [0, 1)
  int(min: number, max: number): number // inclusive
  pick<T>(items: readonly T[]): T
  chance(p: number): boolean
  digits(n: number): string
  alnum(n: number): string
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

// FNV-1a: turns a string seed into 32 bits of state.
function hashSeed (seed: number | string): number {
  const text = String(seed)
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

export function createRng (seed: number | string): Rng {
  let state = hashSeed(seed)
  // mulberry32: tiny, fast, good enough for test data (not for crypto).
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let z = state
    z = Math.imul(z ^ (z >>> 15), z | 1)
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61)
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296
  }
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1))
  const pick = <T>(items: readonly T[]): T => {
    if (items.length === 0) throw new RangeError('pick() needs at least one item')
    return items[int(0, items.length - 1)]
  }
  const fromAlphabet = (alphabet: string, n: number): string => {
    let out = ''
    for (let i = 0; i < n; i++) out += alphabet[int(0, alphabet.length - 1)]
    return out
  }
  return {
    next,
    int,
    pick,
    chance: (p) => next() < p,
    digits: (n) => fromAlphabet('0123456789', n),
    alnum: (n) => fromAlphabet(ALNUM, n)
  }
}
