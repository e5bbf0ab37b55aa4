import type { ClassificationValue, PriorityValue, SeverityValue, StatusValue } from '../schemas/enums.ts'
import type { MappingTables } from './tables.ts'

type Kind = 'severity' | 'priority' | 'status' | 'classification'
type Normalized = {
  severity: SeverityValue, priority: PriorityValue, status: StatusValue, classification: ClassificationValue
}

// Reads and writes through one provider instance's tables. Own-property lookups only, so a
// native value like "__proto__" or "constructor" maps to unknown rather than to an Object member
// (test/mapping/mapper.test.ts).
export class EnumMapper {
  readonly tables: MappingTables
  private readonly preferred?: MappingTables

  // `preferred` (the provider type's default tables) settles a write when configured overrides
  // add a second native value for a normalized one: the documented native value wins.
  constructor (tables: MappingTables, preferred?: MappingTables) {
    this.tables = tables
    this.preferred = preferred
  }

  toNormalized<K extends Kind> (kind: K, native: unknown): Normalized[K] {
    if (typeof native !== 'string') return 'unknown' as Normalized[K]
    const table = this.tables[kind] as Record<string, Normalized[K]>
    return Object.hasOwn(table, native) ? table[native] : 'unknown' as Normalized[K]
  }

  // Every native value mapping to one of `values`, for filters; empty when none exists there.
  nativesFor (kind: Kind, values: readonly string[]): string[] {
    const table = this.tables[kind] as Record<string, string>
    return Object.keys(table).filter((native) => values.includes(table[native]))
  }

  // The native value to write for a normalized one; undefined when the vendor has none, or the
  // mapping is ambiguous (several natives, none of them singled out by the preferred table), so
  // the caller refuses instead of guessing.
  nativeFor (kind: Kind, value: string): string | undefined {
    const natives = this.nativesFor(kind, [value])
    if (natives.length === 1) return natives[0]
    const preferred = this.preferred?.[kind] as Record<string, string> | undefined
    const documented = preferred
      ? natives.filter((native) => Object.hasOwn(preferred, native) && preferred[native] === value)
      : []
    return documented.length === 1 ? documented[0] : undefined
  }

  isSubStatus (native: unknown): boolean {
    return typeof native === 'string' && this.tables.subStatus.includes(native)
  }
}
