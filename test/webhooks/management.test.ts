import t from 'tap'
import { Webhook } from 'standardwebhooks'
import { freshDatabase } from '../helpers/databases.ts'
import { KEYS, startGateway, startReceiver, version } from './harness.ts'

// /v1/webhooks management (spec section 10): ownership, scopes, validation naming the rule, the
// secret shown once, rotation with both secrets signing, the ping, the attempt log, audit events.
// One embedded store for the whole file (opening one is slow on a busy machine).

t.test('management', async (t) => {
  const { db } = await freshDatabase(t, 'embedded')
  const gw = await startGateway({ database: db })
  t.teardown(() => gw.close())
  const rx = await startReceiver()
  t.teardown(() => rx.close())
  const hook = `${rx.url}/hook`

  t.test('create answers 201 with the secret once; reads never show it', async (t) => {
    const created = await gw.call('POST', '/v1/webhooks', {
      url: hook, events: ['incident.created'], filter: { severity: ['high'] }, description: 'soar'
    })
    t.equal(created.status, 201)
    t.match(created.body.secret, /^whsec_[A-Za-z0-9+/]{43}=$/)
    t.match(created.body.id, /^wh_[A-Za-z0-9]{20}$/)
    t.same(created.body.filter, { severity: ['high'] })
    t.equal(created.body.enabled, true)
    const got = await gw.call('GET', `/v1/webhooks/${created.body.id}`)
    t.equal(got.status, 200)
    t.notOk('secret' in got.body)
    const list = await gw.call('GET', '/v1/webhooks')
    t.ok(list.body.data.some((w: any) => w.id === created.body.id))
    t.notOk(JSON.stringify(list.body).includes(created.body.secret))
    const audit = gw.audit.find((e) => e.operation === 'create' && e.webhook_id === created.body.id)
    t.match(audit, { event: 'webhook.change', outcome: 'ok', key: 'admin', url_origin: rx.url })
    t.notOk(JSON.stringify(gw.audit).includes('whsec_'), 'no secret in the audit log')
    t.notOk(gw.logs.text().includes(created.body.secret), 'no secret in the service log')
  })

  t.test('a webhook belongs to its key: another key gets 404 for every route', async (t) => {
    const created = await gw.call('POST', '/v1/webhooks', { url: hook, events: ['incident.created'] })
    const id = created.body.id
    for (const [method, path, body] of [
      ['GET', `/v1/webhooks/${id}`], ['PATCH', `/v1/webhooks/${id}`, { description: 'x' }],
      ['DELETE', `/v1/webhooks/${id}`], ['POST', `/v1/webhooks/${id}/test`],
      ['POST', `/v1/webhooks/${id}/rotate-secret`, {}], ['GET', `/v1/webhooks/${id}/deliveries`]
    ] as Array<[string, string, unknown?]>) {
      const res = await gw.call(method, path, body, KEYS.limited)
      t.equal(res.status, 404, `${method} ${path}`)
      t.equal(res.body.code, 'not_found')
    }
    t.notOk((await gw.call('GET', '/v1/webhooks', undefined, KEYS.limited)).body.data.some((w: any) => w.id === id))
    t.equal((await gw.call('GET', `/v1/webhooks/${id}`)).status, 200, 'still there for its owner')
  })

  t.test('scope webhooks:manage is needed; no key is 401', async (t) => {
    const res = await gw.call('GET', '/v1/webhooks', undefined, KEYS.reader)
    t.equal(res.status, 403)
    t.match(res.body.detail, /webhooks:manage/)
    t.equal((await gw.call('POST', '/v1/webhooks', { url: hook, events: ['incident.created'] }, KEYS.reader)).status,
      403)
    const none = await gw.app.inject({ method: 'GET', url: '/v1/webhooks' })
    t.equal(none.statusCode, 401)
  })

  t.test('validation: bad bodies are 400 naming the field; providers beyond the key are 403/404', async (t) => {
    const bad = async (body: unknown, path: RegExp, key?: string) => {
      const res = await gw.call('POST', '/v1/webhooks', body, key)
      t.equal(res.status, 400, JSON.stringify(body))
      t.match(JSON.stringify(res.body.errors), path)
    }
    await bad({ url: hook, events: [] }, /events/)
    await bad({ url: hook, events: ['incident.exploded'] }, /events/)
    await bad({ url: hook }, /events/)
    await bad({ url: hook, events: ['incident.created'], extra: 1 }, /extra/)
    await bad({ url: hook, events: ['incident.created'], filter: { severity: ['hot'] } }, /severity/)
    await bad({ url: 'http://u:p@127.0.0.1/x', events: ['incident.created'] }, /credentials/)
    await bad({ url: 'ftp://x.example/x', events: ['incident.created'] }, /https or http/)
    const foreign = await gw.call('POST', '/v1/webhooks',
      { url: hook, events: ['incident.created'], filter: { provider: ['cl2'] } }, KEYS.limited)
    t.equal(foreign.status, 403)
    t.match(foreign.body.detail, /cl2/)
    const unknown = await gw.call('POST', '/v1/webhooks', { url: hook, events: ['incident.created'], filter: { provider: ['nope'] } })
    t.equal(unknown.status, 404)
    t.equal((await gw.call('GET', '/v1/webhooks/not-an-id')).status, 400)
    t.equal((await gw.call('PATCH', '/v1/webhooks/wh_aaaaaaaaaaaaaaaaaaaa', {})).status, 400, 'an empty patch')
  })

  t.test('max_per_key bounds the webhooks of one key', async (t) => {
    // Counted on the shared store: plain has none yet; the limit is the configured default (25).
    for (let i = 0; i < 25; i++) {
      t.equal((await gw.call('POST', '/v1/webhooks', { url: hook, events: ['incident.created'] }, KEYS.plain)).status, 201)
    }
    const over = await gw.call('POST', '/v1/webhooks', { url: hook, events: ['incident.created'] }, KEYS.plain)
    t.equal(over.status, 403)
    t.match(over.body.detail, /max_per_key/)
    for (const w of (await gw.call('GET', '/v1/webhooks', undefined, KEYS.plain)).body.data) {
      t.equal((await gw.call('DELETE', `/v1/webhooks/${w.id}`, undefined, KEYS.plain)).status, 204)
    }
  })

  t.test('patch, disable, enable, delete', async (t) => {
    const created = await gw.call('POST', '/v1/webhooks', { url: hook, events: ['incident.created'] })
    const id = created.body.id
    const patched = await gw.call('PATCH', `/v1/webhooks/${id}`, {
      events: ['incident.updated'], filter: { status: ['new'] }, description: 'changed'
    })
    t.equal(patched.status, 200)
    t.same(patched.body.events, ['incident.updated'])
    t.equal(patched.body.description, 'changed')
    t.equal((await gw.call('PATCH', `/v1/webhooks/${id}`, { url: 'nope' })).status, 400)
    const off = await gw.call('PATCH', `/v1/webhooks/${id}`, { enabled: false })
    t.match(off.body, { enabled: false, disabled_reason: 'disabled by its owner' })
    const on = await gw.call('PATCH', `/v1/webhooks/${id}`, { enabled: true })
    t.match(on.body, { enabled: true, disabled_reason: null, disabled_at: null, consecutive_failures: 0 })
    t.equal((await gw.call('DELETE', `/v1/webhooks/${id}`)).status, 204)
    t.equal((await gw.call('GET', `/v1/webhooks/${id}`)).status, 404)
    t.equal((await gw.call('DELETE', `/v1/webhooks/${id}`)).status, 404)
    t.same(gw.audit.filter((e) => e.webhook_id === id).map((e) => [e.operation, e.outcome]), [
      ['create', 'ok'], ['update', 'ok'], ['update', 'http_400'], ['update', 'ok'], ['update', 'ok'], ['delete', 'ok'], ['delete', 'http_404']
    ])
  })

  t.test('test ping: signed, verified by the receiver, recorded; rotation keeps both secrets signing', async (t) => {
    const created = await gw.call('POST', '/v1/webhooks', { url: hook, events: ['incident.created'] })
    const id = created.body.id
    const oldSecret = created.body.secret
    rx.secrets.splice(0, rx.secrets.length, oldSecret)
    const ping = await gw.call('POST', `/v1/webhooks/${id}/test`)
    t.match(ping.body, { delivered: true, status: 200, error: null })
    const arrival = rx.arrivals.at(-1)!
    t.equal(arrival.verified, true)
    t.match(arrival.body, { type: 'webhook.test', data: { webhook_id: id } })
    t.equal(arrival.id, ping.body.message_id)

    const rotated = await gw.call('POST', `/v1/webhooks/${id}/rotate-secret`, { overlap_seconds: 3600 })
    t.equal(rotated.status, 200)
    t.not(rotated.body.secret, oldSecret)
    t.ok(Date.parse(rotated.body.previous_expires_at) > Date.now() + 3_500_000)
    // The next delivery verifies with either secret alone.
    await gw.call('POST', `/v1/webhooks/${id}/test`)
    const both = rx.arrivals.at(-1)!
    const raw = JSON.stringify(both.body)
    t.equal(both.verified, true)
    // Re-sign check: two v1 signatures, one per secret.
    const headers = { 'webhook-id': both.id, 'webhook-timestamp': String(both.timestamp) }
    const sigOld = new Webhook(oldSecret).sign(both.id, new Date(both.timestamp * 1000), raw)
    const sigNew = new Webhook(rotated.body.secret).sign(both.id, new Date(both.timestamp * 1000), raw)
    t.doesNotThrow(() => new Webhook(oldSecret).verify(raw, { ...headers, 'webhook-signature': `${sigOld}` }))
    t.not(sigOld, sigNew)
    rx.secrets.splice(0, rx.secrets.length, rotated.body.secret)
    const got = await gw.call('GET', `/v1/webhooks/${id}`)
    t.ok(got.body.secret_rotated_at)

    // overlap 0: the old secret stops signing at once.
    const again = await gw.call('POST', `/v1/webhooks/${id}/rotate-secret`, { overlap_seconds: 0 })
    rx.secrets.splice(0, rx.secrets.length, rotated.body.secret)
    await gw.call('POST', `/v1/webhooks/${id}/test`)
    t.equal(rx.arrivals.at(-1)!.verified, false, 'the replaced secret no longer verifies')
    rx.secrets.splice(0, rx.secrets.length, again.body.secret)
    await gw.call('POST', `/v1/webhooks/${id}/test`)
    t.equal(rx.arrivals.at(-1)!.verified, true)

    rx.respond = () => ({ status: 503 })
    const failed = await gw.call('POST', `/v1/webhooks/${id}/test`)
    rx.respond = () => ({ status: 200 })
    t.match(failed.body, { delivered: false, status: 503, error: 'the receiver answered 503' })
    const log = await gw.call('GET', `/v1/webhooks/${id}/deliveries?limit=2`)
    t.same(log.body.data.map((a: any) => [a.event, a.outcome, a.status]),
      [['webhook.test', 'failed', 503], ['webhook.test', 'delivered', 200]])
    t.equal((await gw.call('GET', `/v1/webhooks/${id}`)).body.consecutive_failures, 0, 'a ping does not count')
    t.same(gw.audit.filter((e) => e.webhook_id === id).map((e) => e.operation), ['create', 'rotate_secret', 'rotate_secret'])
  })

  t.test('deliveries never hold bodies; the ping of a deleted receiver is a failure, not a 5xx', async (t) => {
    const gone = await startReceiver()
    const url = `${gone.url}/x`
    await gone.close()
    const created = await gw.call('POST', '/v1/webhooks', { url, events: ['incident.created'] })
    const ping = await gw.call('POST', `/v1/webhooks/${created.body.id}/test`)
    t.equal(ping.status, 200)
    t.match(ping.body, { delivered: false, status: null, error: 'connection refused' })
    await gw.record('cl', [version('cl', '900', 1, { matches: [{ field: 'body', detector: 'ssn', text: '123-45-6789', context_before: 'a', context_after: 'b' }] as any })])
    const log = await gw.call('GET', `/v1/webhooks/${created.body.id}/deliveries`)
    t.notOk(JSON.stringify(log.body).includes('123-45-6789'))
  })
})

t.test('without a store, webhook routes answer 503 saying what to configure', async (t) => {
  const gw = await startGateway({})
  t.teardown(() => gw.close())
  t.equal(gw.app.webhooks, null)
  const res = await gw.call('POST', '/v1/webhooks', { url: 'https://hooks.example.com/x', events: ['incident.created'] })
  t.equal(res.status, 503)
  t.match(res.body.detail, /DATABASE_URL/)
  t.equal((await gw.call('GET', '/v1/webhooks')).status, 503)
})
