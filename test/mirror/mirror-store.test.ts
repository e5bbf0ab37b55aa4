import fc from 'fast-check'
import t from 'tap'
import { ChangeFeed, type StoredChange } from '../../src/mirror/change-feed.ts'
import { storedForm } from '../../src/mirror/incident-diff.ts'
import { MirrorStore, type RecordResult } from '../../src/mirror/mirror-store.ts'
import type { Database } from '../../src/store/database.ts'
import { ENGINES, freshDatabase } from '../helpers/databases.ts'
import { incident } from '../helpers/incidents.ts'
import type { TapTest } from '../helpers/build.ts'

// A model of the mirror's rules (src/mirror/mirror-store.ts) driven by random observations: the
// feed of each incident must be exactly the model's sequence of distinct applied states.
//
// Rules: within one record() call the latest observation of an incident wins (a tie: the later
// one). An observation is stale, and dropped, when it carries an older vendor update time than the
// state the mirror holds, or the same one from an answer asked for earlier; once the incident is
// deleted, when it was asked for before the deletion was seen. A deletion is stale when observed
// before the state the mirror holds. The mirror keeps the latest observation time it has seen. Applied: a new or deleted incident is
// `created`, a new state `updated`, the same state nothing.

const STATUSES = ['new', 'in_progress', 'resolved'] as const
const SEVERITIES = ['low', 'high'] as const
const IDS = ['1', '2', '3']
const vendorTime = (k: number) => `2026-01-0${k + 1}T00:00:00.000Z`
const observed = (k: number) => new Date(Date.UTC(2026, 1, 1, 0, 0, k))
const CREATED_AT = '2025-12-01T00:00:00.000Z'

interface Obs { id: string, status: number, severity: number, updated: number, at: number, raw: number }
type Command = { kind: 'record', batch: Obs[] } | { kind: 'delete', ids: string[], at: number }

const obsArb: fc.Arbitrary<Obs> = fc.record({
  id: fc.constantFrom(...IDS),
  status: fc.nat(STATUSES.length - 1),
  severity: fc.nat(SEVERITIES.length - 1),
  updated: fc.nat(3),
  at: fc.nat(5),
  raw: fc.nat(1000)
})
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('record' as const), batch: fc.array(obsArb, { minLength: 1, maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), ids: fc.subarray(IDS, { minLength: 1 }), at: fc.nat(5) }) }
)

interface State { status: string, severity: string, updated_at: string }
interface ModelRow { state: State, at: number, deleted: boolean }
interface Expected { type: StoredChange['type'], state: State | null, previous: State | null, at: number, raw: number | null }

const stateOf = (o: Obs): State =>
  ({ status: STATUSES[o.status], severity: SEVERITIES[o.severity], updated_at: vendorTime(o.updated) })
const sameState = (a: State, b: State) =>
  a.status === b.status && a.severity === b.severity && a.updated_at === b.updated_at
const FIELDS = ['severity', 'status', 'updated_at'] as const // in the Incident's field order

class Model {
  readonly rows = new Map<string, ModelRow>()
  readonly feed = new Map<string, Expected[]>()

  private emit (id: string, e: Expected) {
    this.feed.set(id, [...(this.feed.get(id) ?? []), e])
  }

  record (batch: Obs[], op: number): RecordResult {
    const result = { created: 0, updated: 0, deleted: 0, unchanged: 0, stale: 0 }
    const latest = new Map<string, Obs>()
    for (const o of batch) {
      const prior = latest.get(o.id)
      if (!prior || prior.at <= o.at) latest.set(o.id, o)
    }
    for (const [id, o] of latest) {
      const row = this.rows.get(id)
      const state = stateOf(o)
      const stale = row && (row.deleted
        ? o.at < row.at
        : state.updated_at !== row.state.updated_at ? state.updated_at < row.state.updated_at : o.at < row.at)
      if (stale) {
        result.stale++
        continue
      }
      this.rows.set(id, { state, at: row && !row.deleted ? Math.max(row.at, o.at) : o.at, deleted: false })
      if (!row || row.deleted) {
        result.created++
        this.emit(id, { type: 'created', state, previous: null, at: op, raw: o.raw })
      } else if (sameState(row.state, state)) {
        result.unchanged++
      } else {
        result.updated++
        this.emit(id, { type: 'updated', state, previous: row.state, at: op, raw: o.raw })
      }
    }
    return result
  }

  delete (ids: string[], at: number, op: number): RecordResult {
    const result = { created: 0, updated: 0, deleted: 0, unchanged: 0, stale: 0 }
    for (const id of new Set(ids)) {
      const row = this.rows.get(id)
      if (!row || row.deleted) continue
      if (at < row.at) {
        result.stale++
        continue
      }
      result.deleted++
      this.rows.set(id, { ...row, at, deleted: true })
      this.emit(id, { type: 'deleted', state: null, previous: null, at: op, raw: null })
    }
    return result
  }
}

const opTime = (op: number) => new Date(Date.UTC(2026, 5, 1, 0, 0, op))

async function readAll (feed: ChangeFeed, provider: string, limits: number[]): Promise<StoredChange[]> {
  const out: StoredChange[] = []
  let position = 0
  for (let i = 0; ; i++) {
    const page = await feed.read({ after: position, providers: [provider], limit: limits[i % limits.length], raw: true })
    out.push(...page.changes)
    position = page.position
    if (!page.hasMore) return out
  }
}

function compare (provider: string, model: Model, changes: StoredChange[]): string | null {
  const seqs = changes.map((c) => c.seq)
  if (seqs.some((s, i) => i > 0 && s <= seqs[i - 1])) return `seqs not increasing: ${seqs}`
  for (const id of IDS) {
    const want = model.feed.get(id) ?? []
    const got = changes.filter((c) => c.native_id === id)
    if (got.length !== want.length) {
      return `${id}: ${got.length} changes (${got.map((c) => c.type)}), model ${want.length} (${want.map((e) => e.type)})`
    }
    for (let i = 0; i < want.length; i++) {
      const [g, w] = [got[i], want[i]]
      const where = `${id} change ${i}`
      if (g.type !== w.type) return `${where}: ${g.type}, model ${w.type}`
      if (g.provider !== provider) return `${where}: provider ${g.provider}`
      if (g.detected_at.getTime() !== opTime(w.at).getTime()) return `${where}: detected_at ${g.detected_at.toISOString()}`
      if (w.state === null) {
        if (g.incident !== null || g.raw !== null || g.changed.length || Object.keys(g.previous).length) {
          return `${where}: a deletion with content`
        }
        if (g.occurred_at.getTime() !== opTime(w.at).getTime()) return `${where}: deletion occurred_at`
        continue
      }
      const inc = g.incident!
      const gotState = { status: inc.status, severity: inc.severity, updated_at: inc.updated_at }
      if (!sameState(gotState, w.state)) return `${where}: state ${JSON.stringify(gotState)}, model ${JSON.stringify(w.state)}`
      if ((g.raw as { n?: number } | null)?.n !== w.raw) return `${where}: raw ${JSON.stringify(g.raw)}, model ${w.raw}`
      if ('raw' in inc) return `${where}: the incident carries raw`
      const changed = w.previous ? FIELDS.filter((f) => w.previous![f] !== w.state![f]) : []
      const previous = Object.fromEntries(changed.map((f) => [f, w.previous![f]]))
      if (JSON.stringify(g.changed) !== JSON.stringify(changed)) return `${where}: changed ${g.changed}, model ${changed}`
      // previous is an object (jsonb keeps no key order): compared by its sorted entries.
      const entries = (o: object) => JSON.stringify(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)))
      if (entries(g.previous) !== entries(previous)) return `${where}: previous ${JSON.stringify(g.previous)}`
      const occurred = w.type === 'created'
        ? CREATED_AT
        : changed.includes('updated_at') ? w.state.updated_at : opTime(w.at).toISOString()
      if (g.occurred_at.toISOString() !== occurred) return `${where}: occurred_at ${g.occurred_at.toISOString()}, want ${occurred}`
      // Independent of the model: a change is never the state before it again.
      const before = i > 0 ? want[i - 1] : null
      if (g.type === 'updated' && before?.state && sameState(before.state, w.state)) return `${where}: a repeated state`
    }
  }
  return null
}

async function finalRows (db: Database, provider: string) {
  return db.query<{ native_id: string, deleted: boolean, observed_at: Date, status: string, incident: { severity: string } }>(
    'SELECT native_id, deleted, observed_at, status, incident FROM mirror_incidents WHERE provider = $1', [provider])
}

let run = 0
for (const engine of ENGINES) {
  t.test(engine, async (t) => {
    // One database for every test and run (the embedded engine takes seconds to boot); each run and
    // test has providers of its own.
    const { db } = await freshDatabase(t, engine)
    t.test('the feed per incident is the model\'s sequence of distinct states', (t) => modelTest(t, engine, db))
    t.test('stale observations', (t) => staleTest(t, db))
    t.test('a failed append leaves no trace and no gap in the seqs', (t) => failedAppendTest(t, db))
    t.test('a NUL character in vendor data does not stop the mirror', (t) => nulTest(t, db))
  })
}

async function modelTest (t: TapTest, engine: string, db: Database) {
  const feed = new ChangeFeed(db)
  await fc.assert(fc.asyncProperty(
    fc.array(commandArb, { minLength: 1, maxLength: 20 }),
    fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
    async (commands, limits) => {
      const provider = `model-${engine}-${run++}`
      let op = 0
      const mirror = new MirrorStore(db, () => opTime(op))
      const model = new Model()
      for (const c of commands) {
        op++
        const got = c.kind === 'record'
          ? await mirror.record(provider, c.batch.map((o) => ({
            incident: incident({
              native_id: o.id, ...stateOf(o), created_at: CREATED_AT, raw: { n: o.raw }
            } as never, provider),
            observedAt: observed(o.at)
          })))
          : await mirror.recordDeleted(provider, c.ids, observed(c.at))
        const want = c.kind === 'record' ? model.record(c.batch, op) : model.delete(c.ids, c.at, op)
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          throw new Error(`command ${op}: ${JSON.stringify(got)}, model ${JSON.stringify(want)}`)
        }
      }
      const problem = compare(provider, model, await readAll(feed, provider, limits))
      if (problem) throw new Error(problem)
      for (const r of await finalRows(db, provider)) {
        const m = model.rows.get(r.native_id)!
        if (r.deleted !== m.deleted || r.observed_at.getTime() !== observed(m.at).getTime() ||
          r.status !== m.state.status || r.incident.severity !== m.state.severity) {
          throw new Error(`mirror row ${r.native_id}: ${JSON.stringify(r)}, model ${JSON.stringify(m)}`)
        }
      }
    }), { numRuns: engine === 'embedded' ? 30 : 50 })
  t.pass(`${run} runs`)
}

async function staleTest (t: TapTest, db: Database) {
  const mirror = new MirrorStore(db)
  const feed = new ChangeFeed(db)
  const seen = async () => (await feed.read({ after: 0, providers: ['cl'], limit: 100, raw: false })).changes
  const open = incident({ native_id: '1', status: 'new', updated_at: vendorTime(0) })
  const closed = { ...open, status: 'resolved' as const, updated_at: vendorTime(1) }
  await mirror.record('cl', [{ incident: open, observedAt: observed(1) }])
  // A gateway write's answer, then a sync page that was asked for before the write.
  t.same((await mirror.record('cl', [{ incident: closed, observedAt: observed(3) }])).updated, 1)
  t.same((await mirror.record('cl', [{ incident: open, observedAt: observed(2) }])).stale, 1,
    'a sync page read before the write cannot turn the incident back')
  t.same((await mirror.record('cl', [{ incident: open, observedAt: observed(4) }])).stale, 1,
    'nor a later answer carrying an older vendor update time (a lagging vendor read)')
  t.same((await mirror.recordDeleted('cl', ['1'], observed(2))).stale, 1, 'nor a deletion observed before it')
  const edited = { ...closed, severity: 'high' as const, updated_at: vendorTime(2) }
  t.same((await mirror.record('cl', [{ incident: edited, observedAt: observed(2) }])).updated, 1,
    'an answer asked for earlier but carrying a newer vendor time saw a later edit: it wins')
  t.same((await mirror.record('cl', [{ incident: closed, observedAt: observed(4) }])).stale, 1)
  t.same((await seen()).map((c) => c.type), ['created', 'updated', 'updated'])
  const unchanged = await mirror.record('cl', [{ incident: { ...edited, raw: { other: true } }, observedAt: observed(5) }])
  t.same(unchanged.unchanged, 1, 'a re-read of the same state (raw aside) emits nothing')
  t.same((await mirror.recordDeleted('cl', ['1'], observed(6))).deleted, 1)
  t.same((await mirror.record('cl', [{ incident: open, observedAt: observed(7) }])).created, 1,
    'once deleted, a later observation is a reappearance, whatever its vendor time')
  const changes = await seen()
  t.same(changes.map((c) => c.type), ['created', 'updated', 'updated', 'deleted', 'created'])
  t.same(changes[4].incident, storedForm(open))
}

async function failedAppendTest (t: TapTest, db: Database) {
  const mirror = new MirrorStore(db)
  const feed = new ChangeFeed(db)
  const start = await feed.head()
  await mirror.record('cf', [{ incident: incident({ native_id: '1' }, 'cf'), observedAt: observed(1) }])
  const good = incident({ native_id: '2' }, 'cf')
  const bad = incident({ native_id: '3', created_at: 'not a time' }, 'cf') // refused by the timestamptz column
  await t.rejects(mirror.record('cf', [{ incident: good, observedAt: observed(1) },
    { incident: bad, observedAt: observed(1) }]))
  t.equal(await feed.head(), start + 1, 'the counter did not move')
  t.same((await db.query('SELECT native_id FROM mirror_incidents WHERE provider = \'cf\' ORDER BY 1')).map((r) => r.native_id), ['1'],
    'neither incident of the batch is in the mirror')
  await mirror.record('cf', [{ incident: good, observedAt: observed(1) }])
  const page = await feed.read({ after: 0, providers: ['cf'], limit: 10, raw: false })
  t.same(page.changes.map((c) => [c.seq - start, c.native_id, c.type]), [[1, '1', 'created'], [2, '2', 'created']])
}

// PostgreSQL's text and jsonb cannot hold U+0000 (matched content of a binary file may carry it):
// one such incident must not fail its whole sync page, again at every retry.
async function nulTest (t: TapTest, db: Database) {
  const mirror = new MirrorStore(db)
  const feed = new ChangeFeed(db)
  const withNul = incident({
    native_id: '1',
    title: 'report\u0000.doc',
    matches: [{ text: 'ssn\u0000123' }] as never,
    raw: { id: 1, content: 'a\u0000b', 'k\u0000': 1 }
  }, 'nul')
  const other = incident({ native_id: '2' }, 'nul')
  const first = await mirror.record('nul', [{ incident: withNul, observedAt: observed(1) },
    { incident: other, observedAt: observed(1) }])
  t.equal(first.created, 2, 'both incidents of the page are recorded')
  t.equal((await mirror.record('nul', [{ incident: withNul, observedAt: observed(2) }])).unchanged, 1,
    'a re-read of the same state is unchanged')
  const resolved = { ...withNul, status: 'resolved' as const }
  t.equal((await mirror.record('nul', [{ incident: resolved, observedAt: observed(3) }])).updated, 1)
  const changes = (await feed.read({ after: 0, providers: ['nul'], limit: 10, raw: true })).changes
  t.same(changes.map((c) => [c.native_id, c.type]), [['1', 'created'], ['2', 'created'], ['1', 'updated']])
  t.equal(changes[0].incident!.title, 'report\ufffd.doc', 'U+0000 is stored as U+FFFD')
  t.equal((changes[0].incident!.matches[0] as { text: string }).text, 'ssn\ufffd123')
  t.same(changes[0].raw, { id: 1, content: 'a\ufffdb', 'k\ufffd': 1 })
  t.same(changes[2].changed, ['status'], 'and the replaced characters are no change')
  // A lone UTF-16 surrogate (JSON.parse accepts "\\ud800") is refused by jsonb the same way.
  const lone = incident({ native_id: '3', title: 'x\ud800y', raw: { v: '\udc00' } }, 'nul')
  t.equal((await mirror.record('nul', [{ incident: lone, observedAt: observed(1) }])).created, 1)
  const [last] = (await feed.read({ after: changes[2].seq, providers: ['nul'], limit: 10, raw: true })).changes
  t.equal(last.incident!.title, 'x\ufffdy')
  t.same(last.raw, { v: '\ufffd' })
}
