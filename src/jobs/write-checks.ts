import type { CloseRequest, IncidentPatch, ProviderAdapter } from '../adapters/types.ts'
import { capabilityNotSupported, unsupportedValue } from '../errors/gateway-error.ts'
import { EnumMapper } from '../mapping/mapper.ts'
import { DEFAULT_TABLES } from '../mapping/tables.ts'
import type { LabelT } from '../schemas/incident.ts'
import { closeBody, planUpdate } from '../vendors/zwa/writes.ts'

// What a batch operation asks of one incident, in the write service's terms.
export type BatchAction =
  | { action: 'update', body: IncidentPatch }
  | { action: 'close', body: CloseRequest }
  | { action: 'note', body: { text: string } }
  | { action: 'labels', body: { labels: LabelT[] } }

// The refusals an adapter makes before it sends anything (capability, unsupported value), made
// without sending: a dry run's verdict (spec section 11). ZWA's are its own pure checks
// (src/vendors/zwa/writes.ts); Cloudlock's adapter checks inline, repeated here in its terms and
// held equal to the adapter by test/jobs/write-checks.test.ts.
export function checkWrite (adapter: ProviderAdapter, op: BatchAction): void {
  const id = adapter.id
  const mapper = new EnumMapper(adapter.tables, DEFAULT_TABLES[adapter.type])
  switch (op.action) {
    case 'note':
      if (!adapter.capabilities.has('notes')) throw capabilityNotSupported(id, 'notes')
      return
    case 'labels':
      if (!adapter.capabilities.has('labels')) throw capabilityNotSupported(id, 'labels')
      return
    case 'update':
      if (adapter.type === 'zwa') {
        planUpdate(id, op.body)
        return
      }
      for (const kind of ['status', 'severity'] as const) {
        const value = op.body[kind]
        if (value !== undefined && !mapper.nativeFor(kind, value)) {
          throw unsupportedValue(id, `Provider '${id}' has no ${kind} '${value}'.`)
        }
      }
      return
    case 'close':
      if (adapter.type === 'zwa') {
        closeBody(id, op.body, mapper)
        return
      }
      if (op.body.notes !== undefined) throw capabilityNotSupported(id, 'notes')
      if (op.body.label !== undefined) throw capabilityNotSupported(id, 'labels')
      if (op.body.classification !== undefined && op.body.classification !== 'false_positive') {
        throw unsupportedValue(id, `Provider '${id}' (Cloudlock) cannot store classification ` +
          `'${op.body.classification}': it records only 'false_positive' (as DISMISSED); close without a ` +
          'classification to resolve.')
      }
  }
}
