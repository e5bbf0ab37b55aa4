// MappingIssues.into: a clean incident is returned as built (no copy); one with problems gains
// `mapping_errors` where a spread of `field` put it before the mappers stopped spreading, just
// before `raw`, so the key order any JSON.stringify of an incident writes (webhooks, the store)
// is unchanged.
import t from 'tap'
import { MappingIssues } from '../../src/adapters/mapping-issues.ts'
import { INCIDENT_EXAMPLE } from '../../src/schemas/examples.ts'
import type { IncidentT } from '../../src/schemas/incident.ts'

const { raw: _raw, mapping_errors: _errors, ...plain } = INCIDENT_EXAMPLE as IncidentT

t.test('no problem: the same object, without a mapping_errors key', async (t) => {
  const incident = { ...plain, raw: { id: '1' } }
  t.equal(new MappingIssues().into(incident), incident)
  t.notOk('mapping_errors' in new MappingIssues().into(incident))
})

t.test('problems: mapping_errors goes just before raw, or last without raw', async (t) => {
  const issues = new MappingIssues()
  t.equal(issues.check(7, 'severity', 'severity', 'string'), false)
  const withRaw = issues.into({ ...plain, raw: { id: '1' } })
  t.same(Object.keys(withRaw).slice(-2), ['mapping_errors', 'raw'])
  t.same(withRaw.mapping_errors, [{ field: 'severity', message: "vendor field 'severity' is a number, expected a string" }])
  t.same(Object.keys(withRaw), Object.keys({ ...plain, ...issues.field, raw: {} }), 'the order a spread of `field` gives')
  const withoutRaw = issues.into({ ...plain })
  t.same(Object.keys(withoutRaw).slice(-1), ['mapping_errors'])
  t.notOk('raw' in withoutRaw)
})

t.test('check reads the value it is given: absent and null are not problems', async (t) => {
  const issues = new MappingIssues()
  t.equal(issues.check(undefined, 'entity', 'asset', 'object'), false)
  t.equal(issues.check(null, 'entity', 'asset', 'object'), false)
  t.equal(issues.check({}, 'entity', 'asset', 'object'), true)
  t.equal(issues.check([], 'entity', 'asset', 'object'), false)
  t.equal(issues.check(3, 'match_count', 'match_count', 'count'), true)
  t.same(issues.list.map((e) => e.field), ['asset'])
})
