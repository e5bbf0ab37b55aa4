import { capabilityNotSupported, unsupportedValue } from '../../errors/gateway-error.ts'
import type { EnumMapper } from '../../mapping/mapper.ts'
import type { CloseRequest, IncidentPatch } from '../../adapters/types.ts'

// POST …/close body (reference §6 #7). The classification is written through the instance's
// classification table (false_positive -> FALSE_POSITIVE); one ZWA cannot store is refused, never
// replaced by a neighbour, and no classification sends no resolutionCode at all
// (test/adapters/zwa/writes.test.ts).
export function closeBody (providerId: string, request: CloseRequest, mapper: EnumMapper): Record<string, unknown> {
  const body: Record<string, unknown> = {}
  if (request.label !== undefined) body.resolutionLabel = { key: request.label.key, value: request.label.value }
  if (request.classification !== undefined) {
    const code = mapper.nativeFor('classification', request.classification)
    if (code === undefined) {
      throw unsupportedValue(providerId, `Provider '${providerId}' (ZWA) cannot close with classification ` +
        `'${request.classification}'; its mapping has ${supported(mapper)}.`)
    }
    body.resolutionCode = code
  }
  if (request.notes !== undefined) body.notes = request.notes
  return body
}

const supported = (mapper: EnumMapper): string => {
  const values = [...new Set(Object.values(mapper.tables.classification))]
    .filter((v) => mapper.nativeFor('classification', v) !== undefined)
  return values.length ? `only ${values.map((v) => `'${v}'`).join(', ')}` : 'no classification'
}

// ZWA has no update endpoint (reference §5): 'resolved' is reachable through close, nothing else.
// Everything is checked before any call so a patch is never half applied
// (test/adapters/zwa/writes.test.ts, "update: status resolved is a close").
export function planUpdate (providerId: string, patch: IncidentPatch): { close: boolean } {
  if (patch.severity !== undefined) throw capabilityNotSupported(providerId, 'update_severity')
  if (patch.external_ref !== undefined) throw capabilityNotSupported(providerId, 'update_external_ref')
  if (patch.status !== undefined && patch.status !== 'resolved') {
    throw unsupportedValue(providerId, `Provider '${providerId}' (ZWA) cannot set status '${patch.status}': ` +
      "only 'resolved' is possible (through close); ZWA has no reopen or status update.")
  }
  return { close: patch.status === 'resolved' }
}
