import { createCloudlockAdapter } from '../vendors/cloudlock/adapter.ts'
import type { AdapterFactoryDeps, ProviderAdapter } from '../adapters/types.ts'
import { createZwaAdapter } from '../vendors/zwa/adapter.ts'
import type { ProviderConfig } from '../config/schema.ts'

// Passed to every adapter: the upstream dispatcher (tests), the clock, the logger, the metrics
// recorder for retries, circuit states and rate budget waits, the default request deadline.
export type RegistryDeps = AdapterFactoryDeps

// The configured provider instances, one adapter each, in configuration order.
export class ProviderRegistry {
  private readonly adapters = new Map<string, ProviderAdapter>()

  constructor (providers: ProviderConfig[], deps: RegistryDeps = {}) {
    for (const p of providers) {
      const adapter = p.type === 'zwa' ? createZwaAdapter(p, deps) : createCloudlockAdapter(p, deps)
      this.adapters.set(p.id, adapter)
    }
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
