// The Incident schema's closed objects (src/schemas/incident.ts) keep the response serializer from
// passing on a field the schema does not declare, at any depth: a mapper bug or a vendor field
// that slips into a record never reaches a client.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import t from 'tap'
import { INCIDENT_EXAMPLE } from '../../src/schemas/examples.ts'
import { buildTestApp } from '../helpers/build.ts'

t.test('an incident answer carries only declared fields', async (t) => {
  const leaky = {
    ...INCIDENT_EXAMPLE,
    vendor_token: 'LEAK-top',
    asset: { ...INCIDENT_EXAMPLE.asset, internal_path: 'LEAK-asset' },
    source: { ...INCIDENT_EXAMPLE.source, session: 'LEAK-source' },
    matches: INCIDENT_EXAMPLE.matches.map((m) => ({ ...m, raw_bytes: 'LEAK-match' }))
  }
  const { app } = await buildTestApp({}, (root) => {
    root.withTypeProvider<TypeBoxTypeProvider>().get('/probe/incident', {
      schema: { response: { 200: Type.Ref('Incident') } }
    }, async () => leaky)
  })
  t.teardown(() => app.close())
  const res = await app.inject({ method: 'GET', url: '/probe/incident' })
  t.equal(res.statusCode, 200)
  t.notMatch(res.body, /LEAK-/, 'no undeclared field at any depth')
  t.equal(res.json().id, INCIDENT_EXAMPLE.id, 'the declared fields are there')
})
