import t from 'tap'
import type { TapTest } from '../helpers/build.ts'
import { KEYS, startStack, walk, type Stack } from '../helpers/stack.ts'

// Evidence governance over HTTP (spec section 7): matched content only for keys with evidence:read,
// the same on every route that returns incidents, at both vendors.

const hasContent = (m: any) => m.text !== null || m.context_before !== null || m.context_after !== null
const contentOf = (incident: any) => incident.matches.filter(hasContent)

function assertWithheld (t: TapTest, full: any, seen: any, label: string) {
  t.equal(seen.match_count, full.match_count, `${label}: match_count kept`)
  t.same(seen.matches.map((m: any) => [m.field, m.detector]), full.matches.map((m: any) => [m.field, m.detector]), `${label}: field and detector kept`)
  t.ok(seen.matches.every((m: any) => !hasContent(m)), `${label}: no content`)
  t.equal(seen.content_withheld, true, `${label}: says content was withheld`)
}

async function cloudlockWithContent (stack: Stack) {
  const pages = await walk(stack, 'provider=cloudlock&limit=100&include=raw')
  const all = pages.flatMap((p) => p.data)
  return { withContent: all.filter((i) => contentOf(i).length > 0), without: all.filter((i) => contentOf(i).length === 0) }
}

t.test('Cloudlock: list, detail and include=raw withhold content from keys without evidence:read', async (t) => {
  const stack = await startStack({ count: 40 })
  t.teardown(() => stack.close())
  const { withContent, without } = await cloudlockWithContent(stack)
  t.ok(withContent.length > 5 && without.length > 0, 'the data holds incidents with and without matched content')
  const sample = withContent[0]
  t.ok(sample.raw.matches.some((m: any) => typeof m.text === 'string'), 'the admin sees raw content')
  t.equal(sample.content_withheld, undefined, 'nothing withheld from a key with evidence:read')

  for (const key of [KEYS.noEvidence, KEYS.reader]) {
    const list = (await walk(stack, 'provider=cloudlock&limit=100&include=raw', key)).flatMap((p) => p.data)
    t.equal(list.length, withContent.length + without.length, 'the same incidents are listed')
    const byId = new Map(list.map((i: any) => [i.id, i]))
    for (const full of withContent) assertWithheld(t, full, byId.get(full.id), `list ${full.id}`)
    for (const full of without) t.equal(byId.get(full.id).content_withheld, undefined, `list ${full.id}: nothing to withhold`)
    const text = JSON.stringify(list)
    // Masked values (XXXX…1111) are unique to matches; words like "Confidential" also name files.
    const masked = withContent.flatMap((i) => contentOf(i).map((m: any) => m.text)).filter((s) => /XXX/.test(s))
    t.ok(masked.length > 3)
    t.notOk(masked.some((s) => text.includes(s)), 'no masked match text anywhere in the answer, raw included')
    const rawMatch = byId.get(sample.id).raw.matches[0]
    t.same([rawMatch.text, rawMatch.ctx_before, rawMatch.ctx_after], [null, null, null], 'raw content fields are null')
    t.equal(rawMatch.field_name, sample.raw.matches[0].field_name, 'other raw match fields are kept')

    const detail = await stack.get(`/v1/incidents/${sample.id}?include=raw`, key)
    t.equal(detail.status, 200)
    assertWithheld(t, sample, detail.body, 'detail')
    t.ok(detail.body.raw.matches.every((m: any) => m.text === null && m.ctx_before === null && m.ctx_after === null))
    const plain = await stack.get(`/v1/incidents/${sample.id}`, key)
    assertWithheld(t, sample, plain.body, 'detail without raw')
    t.equal(plain.body.raw, undefined)
  }

  const again = await stack.get(`/v1/incidents/${sample.id}?include=raw`)
  t.same(again.body.matches, sample.matches, 'redaction never alters what the next caller sees')
  const relisted = (await stack.get('/v1/incidents?provider=cloudlock&limit=100&include=raw')).body.data
  t.same(relisted.find((i: any) => i.id === sample.id).raw.matches, sample.raw.matches, 'nor the cached pages')
})

t.test('Cloudlock: write answers withhold content too', async (t) => {
  const stack = await startStack({ count: 40 })
  t.teardown(() => stack.close())
  const { withContent } = await cloudlockWithContent(stack)
  const [a, b] = withContent
  const patched = await stack.send('PATCH', `/v1/incidents/${a.id}`, { external_ref: 'T-1' }, KEYS.noEvidence)
  t.equal(patched.status, 200)
  assertWithheld(t, a, patched.body, 'PATCH')
  const closed = await stack.send('POST', `/v1/incidents/${b.id}/close`, {}, KEYS.noEvidence)
  t.equal(closed.status, 200)
  assertWithheld(t, b, closed.body, 'close')
  const byAdmin = await stack.send('PATCH', `/v1/incidents/${a.id}`, { external_ref: 'T-2' })
  t.same(byAdmin.body.matches, a.matches, 'the admin write answer keeps content')
})

t.test('ZWA: content lives behind triggers; incidents and raw records carry none to withhold', async (t) => {
  const stack = await startStack({ count: 20 })
  t.teardown(() => stack.close())
  const full = (await stack.get('/v1/incidents?provider=zwa&limit=100&include=raw')).body.data
  const limited = (await stack.get('/v1/incidents?provider=zwa&limit=100&include=raw', KEYS.noEvidence)).body.data
  t.same(limited, full, 'identical answers: nothing withheld, no content_withheld flag')
  t.ok(full.every((i: any) => i.content_withheld === undefined))
  const id = full[0].id
  t.equal((await stack.get(`/v1/incidents/${id}/triggers`, KEYS.noEvidence)).status, 403, 'triggers need evidence:read')
  t.equal((await stack.get(`/v1/incidents/${id}/triggers`)).status, 200)
  const tx = await stack.get(`/v1/transactions/zwa/${full[0].raw.transactionId}/incidents`, KEYS.noEvidence)
  t.equal(tx.status, 200)
  t.ok(tx.body.data.every((i: any) => i.content_withheld === undefined && i.raw === undefined))
})
