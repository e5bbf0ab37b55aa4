// Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"):
// the n-th retry (n = 1 after the first failure) waits a uniformly random time between 0 and
// min(max, base * 2^(n-1)). Full jitter spreads the retries of many deliveries that failed together
// (a receiver back from an outage) instead of sending them all again at the same instant.
export interface BackoffSettings {
  baseMs: number
  maxMs: number
}

export function backoffMs (failures: number, settings: BackoffSettings, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 40)
  const ceiling = Math.min(settings.maxMs, settings.baseMs * 2 ** exponent)
  return Math.floor(random() * ceiling)
}
