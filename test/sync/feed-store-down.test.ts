import t from 'tap'
import { ENGINES, freshDatabase } from '../helpers/databases.ts'
import { startStack } from '../helpers/stack.ts'
import type { Database } from '../../src/store/database.ts'

// The store failing under the feed: 503 service_unavailable with Retry-After, no internals; back to
// 200 with the same token once it answers again.
t.test('a failing store is a 503 with Retry-After, and the same token works afterwards', async (t) => {
  const { db } = await freshDatabase(t, ENGINES[0])
  let down = false
  const flaky: Database = {
    kind: db.kind,
    query: (sql, params) => down ? Promise.reject(new Error('connection terminated at 10.0.0.7')) : db.query(sql, params),
    exec: (sql) => db.exec(sql),
    transaction: (fn) => down ? Promise.reject(new Error('connection terminated')) : db.transaction(fn),
    listen: (channel, onNotify) => db.listen(channel, onNotify),
    close: async () => {}
  }
  const sync = 'sync: { enabled: true, poll_interval_s: 1, lookback_s: 0 }'
  const stack = await startStack({
    count: 5, providerYaml: { cloudlock: sync }, appDeps: { changeFeed: { autostart: false, database: flaky } }
  })
  t.teardown(() => stack.close())
  await stack.app.sync!.pollNow('cloudlock')
  const first = await stack.get('/v1/changes')
  t.equal(first.body.data.length, 5)
  down = true
  const failed = await stack.get(`/v1/changes?after=${encodeURIComponent(first.body.next)}`)
  t.equal(failed.status, 503)
  t.equal(failed.body.code, 'service_unavailable')
  t.equal(failed.headers['retry-after'], '5')
  t.notMatch(JSON.stringify(failed.body), /10\.0\.0\.7|connection/)
  await t.rejects(stack.app.sync!.pollNow('cloudlock'), 'a poll fails too, and moves nothing')
  down = false
  const again = await stack.get(`/v1/changes?after=${encodeURIComponent(first.body.next)}`)
  t.equal(again.status, 200)
  t.same(again.body.data, [])
})
