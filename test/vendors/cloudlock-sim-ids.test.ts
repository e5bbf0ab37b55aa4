// The Cloudlock simulator assigns ids above every id in use and every explicit id of the same
// batch, so an assigned id never collides with an explicit one that comes later in the batch
// (src/vendors/cloudlock/simulator/store.ts).
import t from 'tap'
import { ids, startCloudlock } from '../simulators/helpers/cloudlock.ts'

t.test('an assigned id skips the explicit ids of its own batch', async (t) => {
  const sim = await startCloudlock(t, { count: 3 })
  const maxId = Math.max(...ids(await sim.get('/incidents')).map(Number))
  const explicit = String(maxId + 1)
  const added = await sim.admin('POST', '/incidents', [{ severity: 'INFO' }, { severity: 'INFO', id: explicit }])
  t.equal(added.status, 201)
  t.same(added.json, { added: 2, ids: [String(maxId + 2), explicit] })
})
