import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { isLeaseLost, SyncLeases } from '../../src/store/leases.ts'
import { ENGINES, freshDatabase } from '../helpers/databases.ts'

// Leases in the store (src/store/leases.ts): one holder at a time, take-over only after expiry
// (database time), a growing epoch, and a fence that refuses the writes of a former holder.

for (const engine of ENGINES) {
  t.test(`${engine}: one holder; take-over after expiry; the former holder's fence refuses`, async (t) => {
    const { db } = await freshDatabase(t, engine)
    const a = new SyncLeases(db, { holder: 'a', ttlMs: 400 })
    const b = new SyncLeases(db, { holder: 'b', ttlMs: 400 })
    const la = await a.acquire('sync:x')
    t.same(la, { name: 'sync:x', holder: 'a', epoch: 1 })
    t.equal(await b.acquire('sync:x'), null, 'held and unexpired: nobody else takes it')
    t.equal(await a.acquire('sync:x'), null, 'not even its holder under a new epoch')
    t.ok(await a.renew(la!))
    t.equal((await b.holderOf('sync:x'))?.holder, 'a')
    await db.transaction((tx) => a.fence(tx, la!))

    await sleep(600) // a stops renewing: paused, partitioned or dead
    t.equal(await b.holderOf('sync:x'), null, 'an expired lease has no holder')
    const lb = await b.acquire('sync:x')
    t.same(lb, { name: 'sync:x', holder: 'b', epoch: 2 }, 'taken over under the next epoch')
    t.notOk(await a.renew(la!), 'the former holder cannot renew')
    const refused = await db.transaction(async (tx) => {
      await a.fence(tx, la!)
      await tx.query('UPDATE change_counter SET last_seq = last_seq + 100')
    }).catch((err: unknown) => err)
    t.ok(isLeaseLost(refused), 'the former holder\'s write is refused')
    t.equal((await db.query<{ last_seq: number }>('SELECT last_seq FROM change_counter'))[0].last_seq, 0,
      'and rolled back')
    await db.transaction((tx) => b.fence(tx, lb!))

    await b.release(lb!)
    const again = await a.acquire('sync:x')
    t.same(again, { name: 'sync:x', holder: 'a', epoch: 3 }, 'a release hands over at once')
    t.equal(await b.acquire('retention').then((l) => l?.epoch), 1, 'leases are independent by name')
  })

  t.test(`${engine}: a lease that expired with nobody taking it is renewed under the same epoch`, async (t) => {
    const { db } = await freshDatabase(t, engine)
    const a = new SyncLeases(db, { holder: 'a', ttlMs: 200 })
    const la = (await a.acquire('sync:x'))!
    await sleep(400)
    const fenced = await db.transaction((tx) => a.fence(tx, la)).catch((err: unknown) => err)
    t.ok(isLeaseLost(fenced), 'expired: no write until renewed')
    t.ok(await a.renew(la), 'nobody took it: renewed')
    await db.transaction((tx) => a.fence(tx, la))
    t.equal((await a.holderOf('sync:x'))?.epoch, 1)
  })

  t.test(`${engine}: the fence stamps the transaction with the lease it wrote under`, async (t) => {
    const { db } = await freshDatabase(t, engine)
    const a = new SyncLeases(db, { holder: 'a', ttlMs: 5_000 })
    const la = (await a.acquire('sync:x'))!
    const stamp = await db.transaction(async (tx) => {
      await a.fence(tx, la)
      return (await tx.query<{ s: string }>('SELECT current_setting(\'dlp_gateway.lease\', true) AS s'))[0].s
    })
    t.equal(stamp, 'a/1')
  })
}

t.test('postgres: a take-over waits for the fenced write in flight, which commits first', {
  skip: ENGINES.includes('postgres') ? false : 'TEST_DATABASE_URL is not set'
}, async (t) => {
  const { db, open } = await freshDatabase(t, 'postgres')
  const other = await open()
  const a = new SyncLeases(db, { holder: 'a', ttlMs: 300 })
  const b = new SyncLeases(other, { holder: 'b', ttlMs: 300 })
  const la = (await a.acquire('sync:x'))!
  const events: string[] = []
  const write = db.transaction(async (tx) => {
    await a.fence(tx, la) // passes: the lease is valid now
    await sleep(700) // the lease expires while the write is still open
    await tx.query('UPDATE change_counter SET last_seq = last_seq + 1')
    events.push('write')
  }).then(() => events.push('committed'))
  await sleep(450)
  const taken = b.acquire('sync:x').then((l) => {
    events.push('taken')
    return l
  })
  await write
  const lb = await taken
  t.same(lb?.epoch, 2, 'taken over once the write committed')
  t.same(events, ['write', 'committed', 'taken'], 'never while a write of the former holder was open')
})
