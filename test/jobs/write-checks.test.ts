import t from 'tap'
import { checkWrite, type BatchAction } from '../../src/jobs/write-checks.ts'
import { startStack } from '../helpers/stack.ts'

// A dry run's refusals (src/jobs/write-checks.ts) are the adapters' own: every combination of action
// and value is sent once for real through the single-write routes, and the dry-run check must name
// the same problem code (or none when the write succeeded). The vendors answer for the values the
// adapters let through.
const STATUSES = ['new', 'in_progress', 'resolved', 'dismissed', 'unknown'] as const
const SEVERITIES = ['informational', 'low', 'medium', 'high', 'critical', 'unknown'] as const
const CLASSIFICATIONS = ['false_positive', 'true_positive', 'benign', 'unknown'] as const

const cases: BatchAction[] = [
  ...STATUSES.map((status) => ({ action: 'update' as const, body: { status } })),
  ...SEVERITIES.map((severity) => ({ action: 'update' as const, body: { severity } })),
  { action: 'update', body: { external_ref: 'SOAR-1' } },
  { action: 'update', body: { external_ref: null } },
  { action: 'close', body: {} },
  ...CLASSIFICATIONS.map((classification) => ({ action: 'close' as const, body: { classification } })),
  { action: 'close', body: { notes: 'n' } },
  { action: 'close', body: { label: { key: 'k', value: 'v' } } },
  { action: 'note', body: { text: 'n' } },
  { action: 'labels', body: { labels: [{ key: 'k', value: 'v' }] } }
]

const route = (c: BatchAction): [method: 'PATCH' | 'POST', suffix: string] =>
  c.action === 'update' ? ['PATCH', ''] : ['POST', c.action === 'note' ? '/notes' : `/${c.action}`]

t.test('dry-run checks refuse exactly what the adapters refuse', async (t) => {
  const stack = await startStack({ count: 120 })
  t.teardown(() => stack.close())
  for (const provider of ['zwa', 'cloudlock']) {
    const ids = (await stack.get(`/v1/incidents?provider=${provider}&status=new&limit=${cases.length}`)).body.data
      .map((i: any) => i.id as string)
    t.equal(ids.length, cases.length, `${provider}: a fresh incident per case`)
    const adapter = stack.app.providers.get(provider)!
    for (const [i, c] of cases.entries()) {
      let predicted: string | null = null
      try { checkWrite(adapter, c) } catch (err) { predicted = (err as { code: string }).code }
      const [method, suffix] = route(c)
      const res = await stack.send(method, `/v1/incidents/${ids[i]}${suffix}`, c.body)
      const actual = res.status === 200 ? null : res.body.code
      t.equal(predicted, actual, `${provider} ${c.action} ${JSON.stringify(c.body)}`)
    }
  }
})
