// A list walk maps an incident only when it is read: ordering, filtering and the read-ahead cache
// work from the id, creation time and raw record. A later page of 100 from Cloudlock reads a
// whole vendor page ahead (the overlap read that proves the last timestamp group whole), and what
// is not served may never be (BENCHMARKS.md, list page).
import t from 'tap'
import { EnumMapper } from '../../src/mapping/mapper.ts'
import { DEFAULT_TABLES, resolveTables } from '../../src/mapping/tables.ts'
import { walkCloudlock, type CloudlockListCall } from '../../src/vendors/cloudlock/list-walk.ts'
import { mapCloudlockIncident } from '../../src/vendors/cloudlock/map-incident.ts'
import { mapZwaIncident } from '../../src/vendors/zwa/map-incident.ts'
import { record } from './cloudlock/helpers.ts'

// Counts incidents built: every build reads the severity through the mapper once.
class CountingMapper extends EnumMapper {
  builds = 0
  override toNormalized<K extends Parameters<EnumMapper['toNormalized']>[0]> (kind: K, native: unknown) {
    if (kind === 'severity') this.builds++
    return super.toNormalized(kind, native)
  }
}

const T0 = Date.parse('2025-03-01T12:00:00.000Z') * 1000

t.test('a Cloudlock list walk builds no incident until one is read, and each at most once', async (t) => {
  const mapper = new CountingMapper(resolveTables('cloudlock'), DEFAULT_TABLES.cloudlock)
  const all = Array.from({ length: 150 }, (_, k) => record(String(1000 + k), T0 - k * 1_000_000))
  const list: CloudlockListCall = async (query, _request, sent) => {
    sent()
    const before = Date.parse(query.created_before.replace('+00:00', 'Z')) * 1000
    const offset = Number(query.offset)
    return all.filter((r) => Date.parse(String(r.created_at).replace('+00:00', 'Z')) * 1000 < before)
      .slice(offset, offset + Number(query.limit))
  }
  const page = await walkCloudlock(
    { filters: {}, position: { b: String(T0 + 1000), l: '' }, pinnedAt: '2026-01-01T00:00:00.000Z', want: 100 }, 'cl', mapper, list)
  t.equal(page.items.length, 149, 'both vendor pages, less the overlap: more than the listing serves')
  t.equal(mapper.builds, 0, 'fetched, ordered and emitted without mapping')
  t.equal(page.items[0].incident.native_id, '1000')
  t.equal(page.items[0].incident.native_id, '1000')
  t.equal(mapper.builds, 1, 'one read, one build; a second read reuses it')
  t.equal(page.items[0].incident.severity, 'medium')
  t.equal(mapper.builds, 1)
})

t.test('a record without a valid id or creation time still fails at once, not when read', async (t) => {
  const mapper = new CountingMapper(resolveTables('cloudlock'), DEFAULT_TABLES.cloudlock)
  t.throws(() => mapCloudlockIncident({ id: 'x', created_at: '2025-01-01T00:00:00Z' }, 'cl', mapper))
  t.throws(() => mapZwaIncident({ internalId: 'abc' }, 'z', new CountingMapper(resolveTables('zwa'))))
  const ok = mapCloudlockIncident(record('7', T0), 'cl', mapper)
  t.equal(ok.nativeId, '7')
  t.equal(mapper.builds, 0)
  t.equal(ok.incident.id, 'cl:7')
  t.equal(mapper.builds, 1)
})
