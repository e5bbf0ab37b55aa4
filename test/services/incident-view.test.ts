import fc from 'fast-check'
import t from 'tap'
import { INCIDENT_EXAMPLE } from '../../src/schemas/examples.ts'
import type { IncidentT } from '../../src/schemas/incident.ts'
import { incidentView } from '../../src/services/incident-view.ts'
import type { Principal } from '../../src/services/principal.ts'

const withEvidence: Principal = { name: 'a', scopes: new Set(['incidents:read', 'evidence:read']), providers: null }
const withoutEvidence: Principal = { name: 'b', scopes: new Set(['incidents:read', 'incidents:write']), providers: null }

const content = fc.option(fc.string({ maxLength: 12 }), { nil: null })
const match = fc.record({ text: content, context_before: content, context_after: content, field: content, detector: content })
// Raw Cloudlock match entries as a vendor might send them: keys present or absent, odd items too.
const rawMatch = fc.oneof(
  fc.record({ text: fc.anything(), ctx_before: fc.anything(), ctx_after: fc.anything(), field_name: fc.string() }, { requiredKeys: ['field_name'] }),
  fc.constant(null), fc.string(), fc.array(fc.integer())
)
const incident = fc.record({
  provider_type: fc.constantFrom('cloudlock' as const, 'zwa' as const),
  matches: fc.array(match, { maxLength: 4 }),
  raw: fc.option(fc.record({ id: fc.string(), matches: fc.oneof(fc.array(rawMatch, { maxLength: 4 }), fc.string()) }), { nil: undefined })
}).map(({ raw, ...parts }) => ({ ...INCIDENT_EXAMPLE, ...parts, ...(raw === undefined ? {} : { raw }) }) as IncidentT)

const someContent = (i: IncidentT, raw: boolean) =>
  i.matches.some((m) => m.text !== null || m.context_before !== null || m.context_after !== null) ||
  (raw && i.provider_type === 'cloudlock' && Array.isArray(i.raw?.matches) && (i.raw.matches as unknown[]).some((m) =>
    m !== null && typeof m === 'object' && !Array.isArray(m) &&
    ['text', 'ctx_before', 'ctx_after'].some((k) => k in m && (m as Record<string, unknown>)[k] !== null)))

t.test('a key with evidence:read sees the incident unchanged (raw only when asked for)', async (t) => {
  fc.assert(fc.property(incident, fc.boolean(), (i, raw) => {
    const { raw: vendor, ...rest } = i
    t.same(incidentView(i, withEvidence, { raw }), raw && vendor !== undefined ? i : rest)
  }))
})

t.test('a key without evidence:read gets no content, keeps the rest, and is told exactly when', async (t) => {
  fc.assert(fc.property(incident, fc.boolean(), (i, raw) => {
    const before = structuredClone(i)
    const view = incidentView(i, withoutEvidence, { raw })
    t.same(i, before, 'the input (possibly a shared cached incident) is not mutated')
    t.equal(view.matches.length, i.matches.length)
    view.matches.forEach((m, k) => {
      t.same(m, { text: null, context_before: null, context_after: null, field: i.matches[k].field, detector: i.matches[k].detector })
    })
    t.equal(view.match_count, i.match_count)
    t.equal(view.content_withheld, someContent(i, raw) ? true : undefined)
    if (!raw) t.equal(view.raw, undefined)
    if (raw && i.raw && Array.isArray(i.raw.matches) && i.provider_type === 'cloudlock') {
      (view.raw!.matches as unknown[]).forEach((m, k) => {
        const orig = (i.raw!.matches as unknown[])[k]
        if (m === null || typeof m !== 'object' || Array.isArray(m)) return t.same(m, orig)
        for (const key of ['text', 'ctx_before', 'ctx_after']) {
          t.equal((m as any)[key], key in (orig as object) ? null : undefined, `raw ${key} nulled where present`)
        }
        t.equal((m as any).field_name, (orig as any).field_name)
      })
    }
    if (raw && i.provider_type === 'zwa') t.same(view.raw, i.raw, 'ZWA raw records hold no matched content')
  }))
})
