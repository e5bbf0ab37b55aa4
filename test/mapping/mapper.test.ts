import fc from 'fast-check'
import t from 'tap'
import { EnumMapper } from '../../src/mapping/mapper.ts'
import { DEFAULT_TABLES, resolveTables, type MappingTables } from '../../src/mapping/tables.ts'

type Kind = 'severity' | 'priority' | 'status' | 'classification'
const KINDS: Kind[] = ['severity', 'priority', 'status', 'classification']

t.test('Cloudlock defaults are exactly spec 3.1', async (t) => {
  const m = new EnumMapper(DEFAULT_TABLES.cloudlock)
  const severity: Array<[string, string]> = [['INFO', 'informational'], ['WARNING', 'medium'], ['ALERT', 'high'], ['CRITICAL', 'critical']]
  for (const [native, normalized] of severity) {
    t.equal(m.toNormalized('severity', native), normalized, `severity ${native}`)
    t.equal(m.nativeFor('severity', normalized), native, `write severity ${normalized}`)
  }
  const status: Array<[string, string]> = [['NEW', 'new'], ['IN PROGRESS', 'in_progress'], ['RESOLVED', 'resolved'], ['DISMISSED', 'dismissed']]
  for (const [native, normalized] of status) {
    t.equal(m.toNormalized('status', native), normalized, `status ${native}`)
    t.equal(m.nativeFor('status', normalized), native, `write status ${normalized}`)
  }
  t.same(DEFAULT_TABLES.cloudlock.severity, Object.fromEntries(severity), 'nothing else in the severity table')
  t.same(DEFAULT_TABLES.cloudlock.status, Object.fromEntries(status), 'nothing else in the status table')
  t.same(DEFAULT_TABLES.cloudlock.priority, {}, 'Cloudlock has no priority')
  t.same(DEFAULT_TABLES.cloudlock.classification, {}, 'Cloudlock has no resolution')
  t.equal(m.nativeFor('severity', 'low'), undefined, 'no LOW at Cloudlock: never the nearest value')
  t.equal(m.nativeFor('severity', 'unknown'), undefined)
  t.equal(m.nativeFor('status', 'unknown'), undefined)
  t.same(m.nativesFor('severity', ['low']), [])
  t.same(m.nativesFor('severity', ['high', 'critical', 'low']).sort(), ['ALERT', 'CRITICAL'])
})

t.test('ZWA defaults are exactly spec 3.1', async (t) => {
  const m = new EnumMapper(DEFAULT_TABLES.zwa)
  t.same(DEFAULT_TABLES.zwa.severity, { INFO: 'informational', LOW: 'low', MEDIUM: 'medium', HIGH: 'high' })
  t.equal(m.nativeFor('severity', 'critical'), undefined, 'ZWA has no CRITICAL severity')
  t.equal(m.toNormalized('priority', 'CRITICAL'), 'critical')
  t.equal(m.toNormalized('severity', 'CRITICAL'), 'unknown', 'ZWA priority CRITICAL is not a severity')
  for (const native of ['INVESTIGATING', 'VALIDATING_WITH_USER', 'JUSTIFICATION_RESPONSE_RECEIVED', 'ESCALATED']) {
    t.equal(m.toNormalized('status', native), 'in_progress')
    t.ok(m.isSubStatus(native))
  }
  t.notOk(m.isSubStatus('NEW'))
  t.notOk(m.isSubStatus(undefined))
  t.equal(m.nativeFor('status', 'in_progress'), undefined, 'ambiguous: refused rather than guessed')
  t.equal(m.nativeFor('status', 'dismissed'), undefined)
  t.equal(m.toNormalized('classification', 'FALSE_POSITIVE'), 'false_positive')
})

t.test('unmapped values are unknown, never a neighbour; lookups are own-property only', async (t) => {
  const m = new EnumMapper(DEFAULT_TABLES.cloudlock)
  const odd = ['EMERGENCY', 'critical', 'Critical', ' CRITICAL', 'CRITICAL ', 'IN_PROGRESS', 'in progress', 'HIGH', 'LOW', '',
    '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', '__defineGetter__']
  for (const value of odd) {
    t.equal(m.toNormalized('severity', value), 'unknown', `severity ${JSON.stringify(value)}`)
    t.equal(m.toNormalized('status', value), 'unknown', `status ${JSON.stringify(value)}`)
    t.equal(m.toNormalized('priority', value), 'unknown')
    t.equal(m.toNormalized('classification', value), 'unknown')
  }
  for (const value of [null, undefined, 3, true, {}, ['CRITICAL'], { toString: () => 'CRITICAL' }]) {
    t.equal(m.toNormalized('severity', value), 'unknown', `non-string ${String(value)}`)
  }
  t.equal(m.nativeFor('severity', '__proto__'), undefined)
  t.equal(m.nativeFor('severity', 'constructor'), undefined)
  t.same(m.nativesFor('status', ['__proto__', 'toString']), [])
})

t.test('configured overrides are laid over the defaults', async (t) => {
  const tables = resolveTables('cloudlock', { severity: { EMERGENCY: 'critical', INFO: 'low' }, status: { REOPENED: 'new' } })
  t.same(tables.severity, { INFO: 'low', WARNING: 'medium', ALERT: 'high', CRITICAL: 'critical', EMERGENCY: 'critical' })
  t.not(tables.severity, DEFAULT_TABLES.cloudlock.severity, 'a copy')
  t.same(DEFAULT_TABLES.cloudlock.severity, { INFO: 'informational', WARNING: 'medium', ALERT: 'high', CRITICAL: 'critical' }, 'defaults untouched')
  const m = new EnumMapper(tables, DEFAULT_TABLES.cloudlock)
  t.equal(m.toNormalized('severity', 'EMERGENCY'), 'critical')
  t.equal(m.toNormalized('severity', 'INFO'), 'low')
  t.equal(m.toNormalized('status', 'REOPENED'), 'new')
  t.equal(m.nativeFor('severity', 'critical'), 'CRITICAL', 'an added alias does not make the documented value unwritable')
  t.equal(m.nativeFor('severity', 'low'), 'INFO', 'a remapped native is written under its new meaning')
  t.equal(m.nativeFor('severity', 'informational'), undefined, 'nothing maps to informational any more')
  t.equal(m.nativeFor('status', 'new'), 'NEW')
  t.same(m.nativesFor('severity', ['critical']).sort(), ['CRITICAL', 'EMERGENCY'])
  const plain = new EnumMapper(tables)
  t.equal(plain.nativeFor('severity', 'critical'), undefined, 'without a preferred table, ambiguity is refused')
  const twoAliases = new EnumMapper(resolveTables('cloudlock', { severity: { SEV1: 'high', SEV2: 'high', ALERT: 'critical' } }), DEFAULT_TABLES.cloudlock)
  t.equal(twoAliases.nativeFor('severity', 'high'), undefined, 'no documented native left for high: refused')
  t.same(resolveTables('zwa').status, DEFAULT_TABLES.zwa.status)
})

t.test('property: toNormalized and nativeFor round-trip for every table entry', async (t) => {
  for (const type of ['cloudlock', 'zwa'] as const) {
    const tables = DEFAULT_TABLES[type]
    const m = new EnumMapper(tables, tables)
    for (const kind of KINDS) {
      const table = tables[kind] as Record<string, string>
      for (const [native, normalized] of Object.entries(table)) {
        t.equal(m.toNormalized(kind, native), normalized, `${type} ${kind} ${native}`)
        const natives = Object.keys(table).filter((n) => table[n] === normalized)
        t.equal(m.nativeFor(kind, normalized), natives.length === 1 ? native : undefined, `${type} ${kind} write ${normalized}`)
      }
    }
  }
})

const nativeName = fc.stringMatching(/^[A-Z_ ]{1,12}$/)
const severityValue = fc.constantFrom('informational', 'low', 'medium', 'high', 'critical', 'unknown' as const)

t.test('property: with random overrides, reads follow the table and writes never pick a value that reads back differently', async () => {
  fc.assert(fc.property(fc.dictionary(nativeName, severityValue, { maxKeys: 6 }), fc.string(), (overrides, probe) => {
    const tables: MappingTables = resolveTables('cloudlock', { severity: overrides as Record<string, 'low'> })
    const m = new EnumMapper(tables, DEFAULT_TABLES.cloudlock)
    for (const [native, normalized] of Object.entries(tables.severity)) {
      if (m.toNormalized('severity', native) !== normalized) return false
    }
    for (const value of ['informational', 'low', 'medium', 'high', 'critical', 'unknown']) {
      const native = m.nativeFor('severity', value)
      if (native !== undefined && m.toNormalized('severity', native) !== value) return false
    }
    // A string that is no key of the table is unknown, whatever it looks like.
    return Object.hasOwn(tables.severity, probe) || m.toNormalized('severity', probe) === 'unknown'
  }), { numRuns: 500 })
})

t.test('property: no string outside the table maps to anything but unknown', async () => {
  const m = new EnumMapper(DEFAULT_TABLES.cloudlock)
  fc.assert(fc.property(fc.string({ unit: 'binary' }), (value) => {
    const sev = m.toNormalized('severity', value)
    const status = m.toNormalized('status', value)
    const okSev = Object.hasOwn(DEFAULT_TABLES.cloudlock.severity, value) ? sev === DEFAULT_TABLES.cloudlock.severity[value] : sev === 'unknown'
    const okStatus = Object.hasOwn(DEFAULT_TABLES.cloudlock.status, value) ? status === DEFAULT_TABLES.cloudlock.status[value] : status === 'unknown'
    return okSev && okStatus
  }), { numRuns: 2000 })
})
