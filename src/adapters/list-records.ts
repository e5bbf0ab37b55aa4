import { GatewayError, isGatewayError } from '../errors/gateway-error.ts'
import type { IncidentT } from '../schemas/incident.ts'
import type { WalkRecord } from './keyset-walk.ts'
import { obj, scalarText } from './values.ts'

// What a vendor mapper returns for one record.
interface Mapped { readonly incident: IncidentT, nativeId: string, createdMicros: bigint }

// Maps the records of one vendor list page. Runs after the vendor exchange has been recorded as
// a success, so a record the gateway cannot place is a data error of that page: it fails the
// page naming the record, and never counts against the provider's health or circuit
// (test/adapters/mapping-errors.test.ts). Records with readable ids and creation times are always
// returned, with `mapping_errors` for any part that could not be mapped.
export function mapListRecords (
  raws: unknown[],
  providerId: string,
  unfiltered: boolean,
  map: (raw: unknown) => Mapped
): WalkRecord[] {
  return raws.map((raw, index) => {
    let mapped: Mapped
    try {
      mapped = map(raw)
    } catch (err) {
      if (!isGatewayError(err)) throw err
      throw new GatewayError('upstream_error', `${err.detail} (record ${index + 1} of the page${describe(raw)}).`,
        { provider: providerId })
    }
    return new ListRecord(mapped, obj(raw) ?? {}, unfiltered)
  })
}

// `incident` is read through: the vendor mappers build it on first read
// (test/adapters/lazy-mapping.test.ts). A class, not a literal with a getter: one shape for all.
class ListRecord implements WalkRecord {
  readonly nativeId: string
  readonly micros: bigint
  readonly raw: Record<string, unknown>
  readonly unfiltered: boolean
  readonly #mapped: Mapped
  constructor (mapped: Mapped, raw: Record<string, unknown>, unfiltered: boolean) {
    this.nativeId = mapped.nativeId
    this.micros = mapped.createdMicros
    this.raw = raw
    this.unfiltered = unfiltered
    this.#mapped = mapped
  }

  get incident (): IncidentT {
    return this.#mapped.incident
  }
}

// What identifies a broken record, if anything does (no values beyond ids and timestamps).
function describe (raw: unknown): string {
  const r = obj(raw)
  if (!r) return ', not an object'
  const id = scalarText(r.id ?? r.internalId)
  const created = scalarText(r.created_at ?? r.createdAt)
  const parts = [
    id === null ? null : `id ${JSON.stringify(id.slice(0, 64))}`,
    created === null ? null : `created ${JSON.stringify(created.slice(0, 40))}`
  ]
  const named = parts.filter((p) => p !== null)
  return named.length ? `, ${named.join(', ')}` : ''
}
