import t from 'tap'
import { generateIncidents as cloudlockIncidents } from '../src/vendors/cloudlock/simulator/generate.ts'
import { generateIncidents as zwaIncidents } from '../src/vendors/zwa/simulator/generate.ts'
import { startDemoGateway } from './helpers/demo.ts'

const DAY_MS = 86_400_000

t.test('demo mode: both vendors over the same recent span, interleaved from the first page', async (t) => {
  const before = Date.now()
  const demo = await startDemoGateway()
  t.teardown(() => demo.close())
  const auth = { authorization: `Bearer ${demo.apiKey}` }
  const page = await (await fetch(`${demo.url}/v1/incidents?limit=25`, { headers: auth })).json() as any
  const providers = page.data.map((i: any) => i.provider)
  t.ok(providers.includes('zwa') && providers.includes('cloudlock'), `the first page holds both vendors: ${providers.join(' ')}`)
  for (const provider of ['zwa', 'cloudlock']) {
    const newest = (await (await fetch(`${demo.url}/v1/incidents?provider=${provider}&limit=1`, { headers: auth })).json() as any).data[0]
    const created = Date.parse(newest.created_at)
    t.ok(created <= Date.now() && created > before - 7 * DAY_MS, `${provider}: the newest incident is recent (${newest.created_at})`)
    const old = await (await fetch(`${demo.url}/v1/incidents?provider=${provider}&limit=1&created_before=${new Date(before - 80 * DAY_MS).toISOString()}`, { headers: auth })).json() as any
    t.equal(old.data.length, 1, `${provider}: incidents reach back ~90 days`)
    const ancient = await (await fetch(`${demo.url}/v1/incidents?provider=${provider}&limit=1&created_before=${new Date(before - 91 * DAY_MS).toISOString()}`, { headers: auth })).json() as any
    t.equal(ancient.data.length, 0, `${provider}: and no further`)
  }
})

t.test('generated ids depend on the seed, not on the anchor', async (t) => {
  const ids = (anchor: string) => ({
    zwa: zwaIncidents({ seed: 1, count: 50, anchor }).map((i) => i.internalId),
    cloudlock: cloudlockIncidents({ seed: 1, count: 50, anchor }).map((i) => i.id)
  })
  t.same(ids('2025-06-30T00:00:00Z'), ids('2031-02-03T04:05:06.789Z'))
  const moved = zwaIncidents({ seed: 1, count: 3, anchor: '2031-02-03T04:05:06.789Z' })
  t.ok(moved.every((i) => i.createdAt.startsWith('2030-') || i.createdAt.startsWith('2031-')), 'the anchor still moves the times')
})
