// The sliding count of vendor requests by purpose behind vendorCalls(), on an injected clock.
import t from 'tap'
import { CallCount } from '../../src/upstream/call-count.ts'

const MINUTE = 60_000

t.test('counts by purpose; a request drops out 59 to 60 minutes after its minute began', async (t) => {
  let now = 100 * 60 * MINUTE + 30_000 // half a minute into a minute
  const count = new CallCount(() => now)
  t.same(count.lastHour(), { sync_last_hour: 0, interactive_last_hour: 0 })
  count.add('sync')
  count.add('sync')
  count.add('interactive')
  t.same(count.lastHour(), { sync_last_hour: 2, interactive_last_hour: 1 })
  now += 20 * MINUTE
  count.add('interactive')
  t.same(count.lastHour(), { sync_last_hour: 2, interactive_last_hour: 2 })
  now += 39 * MINUTE + 29_999 // the last millisecond of the 59th minute after the first requests' minute
  t.same(count.lastHour(), { sync_last_hour: 2, interactive_last_hour: 2 }, 'still within the hour')
  now += 1
  t.same(count.lastHour(), { sync_last_hour: 0, interactive_last_hour: 1 }, 'the first minute has left the hour')
  now += 21 * MINUTE
  t.same(count.lastHour(), { sync_last_hour: 0, interactive_last_hour: 0 })
})

t.test('a bucket reused an hour later starts from zero; a long silence forgets everything', async (t) => {
  let now = 0
  const count = new CallCount(() => now)
  for (let i = 0; i < 5; i++) count.add('sync')
  now += 60 * MINUTE // the same bucket, an hour on
  count.add('interactive')
  t.same(count.lastHour(), { sync_last_hour: 0, interactive_last_hour: 1 })
  now += 24 * 60 * MINUTE
  t.same(count.lastHour(), { sync_last_hour: 0, interactive_last_hour: 0 })
  for (let m = 0; m < 90; m++) {
    count.add('sync')
    now += MINUTE
  }
  t.same(count.lastHour(), { sync_last_hour: 59, interactive_last_hour: 0 }, 'one a minute: the last 59 full minutes')
})
