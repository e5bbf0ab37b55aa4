import type { AdapterFactoryDeps, ProviderAdapter } from '../adapters/types.ts'
import type { ProviderConfig } from '../config/schema.ts'
import { createAdapter } from '../vendors/index.ts'

// Passed to every adapter: the upstream dispatcher (tests), the clock, the logger, the metrics,
// the telemetry observers, the shared store, the default request deadline.
export type RegistryDeps = AdapterFactoryDeps

// The configured provider instances, one adapter each, in configuration order.
export class ProviderRegistry {
  private readonly adapters = new Map<string, ProviderAdapter>()

  constructor (providers: ProviderConfig[], deps: RegistryDeps = {}) {
    for (const p of providers) this.adapters.set(p.id, createAdapter(p, deps))
  }

  get (id: string): ProviderAdapter | undefined {
    return this.adapters.get(id)
  }

  ids (): string[] {
    return [...this.adapters.keys()]
  }

  all (): ProviderAdapter[] {
    return [...this.adapters.values()]
  }

  async shutdown (): Promise<void> {
    await Promise.allSettled(this.all().map((a) => a.shutdown()))
  }
}
