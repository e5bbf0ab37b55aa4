import t from 'tap'
import { request } from 'undici'
import { startCloudlock, TOKEN } from '../helpers/cloudlock.ts'

// What real Cloudlock clients send, and the simulator must serve like the vendor does.

t.test('a parameter repeated with the same value counts once (Cisco Splunk app: count_total twice)', async (t) => {
  const sim = await startCloudlock(t)
  const once = await sim.get('/incidents?limit=10&offset=5&count_total=false&order=created_at')
  const splunk = await sim.get('/incidents?limit=10&offset=5&count_total=false&count_total=false&order=created_at')
  t.equal(splunk.status, 200)
  t.same(splunk.json, once.json, 'the same answer as with the parameter once')
  const limits = await sim.get('/incidents?limit=3&limit=3&severity=ALERT&severity=ALERT')
  t.equal(limits.status, 200)
  t.equal(limits.json.items.length, 3)
  t.ok(limits.json.items.every((i: any) => i.severity === 'ALERT'))
  for (const query of ['count_total=true&count_total=false', 'limit=3&limit=4', 'severity=INFO&severity=ALERT']) {
    const res = await sim.get(`/incidents?${query}`)
    t.equal(res.status, 400, `${query}: repeats that disagree are refused`)
    t.match(res.json, { message: /repeated with different values/ })
  }
})

t.test('PUT reads a JSON body whatever its declared Content-Type (Cisco Postman collection)', async (t) => {
  const sim = await startCloudlock(t)
  const [a, b, c] = (await sim.get('/incidents?limit=3')).json.items
  const put = (id: string, body: string, contentType?: string) => request(`${sim.base}/api/v2/incidents/${id}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${TOKEN}`, ...(contentType === undefined ? {} : { 'content-type': contentType }) },
    body
  })
  const cases: Array<[string, string | undefined, string]> = [[a.id, 'text/plain;charset=UTF-8', 'RESOLVED'], [b.id, undefined, 'DISMISSED'], [c.id, 'application/x-www-form-urlencoded', 'IN PROGRESS']]
  for (const [id, type, status] of cases) {
    const res = await put(id, JSON.stringify({ incident_status: status }), type)
    t.equal(res.statusCode, 200, `Content-Type ${type ?? '(none)'}`)
    t.equal(((await res.body.json()) as any).incident_status, status)
    t.equal((await sim.get(`/incidents/${id}`)).json.incident_status, status, 'stored')
  }
  for (const [body, type] of [['{"incident_status":', 'text/plain'], ['', undefined], ['incident_status=NEW', 'application/x-www-form-urlencoded']] as const) {
    const res = await put(a.id, body, type)
    t.equal(res.statusCode, 400, `${JSON.stringify(body)} as ${type ?? '(none)'} is not JSON`)
    t.type(((await res.body.json()) as any).message, 'string', 'a vendor-shaped error')
  }
  t.equal((await sim.get(`/incidents/${a.id}`)).json.incident_status, 'RESOLVED', 'unchanged by refused bodies')
  const added = await sim.admin('POST', '/incidents', [{ severity: 'INFO' }])
  t.equal(added.status, 201, 'the admin API still parses its JSON')
})
