import type { EnumMapper } from '../mapping/mapper.ts'
import type { ParsedTime } from '../mapping/timestamps.ts'
import type { IncidentT } from '../schemas/incident.ts'
import type { Obj } from './values.ts'

// How a vendor builds its normalized Incident from a record whose id and creation time are checked.
export type IncidentBuilder =
  (record: Obj, nativeId: string, created: ParsedTime, providerId: string, mapper: EnumMapper) => IncidentT

// A vendor record mapped on first read of `incident`, once: a list walk orders and filters by id,
// time and the raw record, and what a page fetched but did not serve may never be read
// (test/adapters/lazy-mapping.test.ts). A class, so that every mapped record shares one shape and one
// prototype getter: an object literal with a getter closure per record gives each record its own
// hidden class, which made every access to it slower than the mapping it saved (BENCHMARKS.md).
export class LazyIncident {
  readonly nativeId: string
  readonly createdMicros: bigint
  readonly #build: IncidentBuilder
  readonly #record: Obj
  readonly #created: ParsedTime
  readonly #providerId: string
  readonly #mapper: EnumMapper
  #built: IncidentT | undefined

  constructor (build: IncidentBuilder, record: Obj, nativeId: string, created: ParsedTime, providerId: string,
    mapper: EnumMapper) {
    this.#build = build
    this.nativeId = nativeId
    this.createdMicros = created.micros
    this.#record = record
    this.#created = created
    this.#providerId = providerId
    this.#mapper = mapper
  }

  get incident (): IncidentT {
    return (this.#built ??= this.#build(this.#record, this.nativeId, this.#created, this.#providerId, this.#mapper))
  }
}
