// The rate budget never throws to the pipeline, even when the code told of its store errors and
// mode changes throws: the observer's failure is swallowed, the reservation answered from the
// fallback share (src/upstream/budget/shared-rate-budget.ts).
import { createServer } from 'node:net'
import t from 'tap'
import { createRateBudget } from '../../src/upstream/budget/budget-factory.ts'
import { client } from '../budget/redis.ts'

async function freePort (): Promise<number> {
  const s = createServer()
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  const port = (s.address() as { port: number }).port
  await new Promise((resolve) => s.close(resolve))
  return port
}

t.test('observers that throw do not break a budget whose Redis is away', async (t) => {
  const redis = client(`redis://127.0.0.1:${await freePort()}`) // nothing listens there
  t.teardown(() => redis.disconnect())
  const heard: string[] = []
  const b = createRateBudget({
    providerId: 'p',
    windowsByClass: { light: [{ limit: 8, ms: 60_000 }] },
    redis,
    fallbackShare: 0.25,
    onStoreError: (_err, operation) => { heard.push(`error:${operation}`); throw new Error('observer bug') },
    onModeChange: (mode) => { heard.push(`mode:${mode}`); throw new Error('observer bug') }
  })
  const r = await b.reserve('light')
  t.ok('slot' in r, 'a slot from the fallback share')
  t.same(heard, ['error:reserve', 'mode:fallback'], 'both observers were called')
  t.equal(b.mode(), 'fallback')
  if ('slot' in r) b.done(r.slot)
  await b.close()
})
