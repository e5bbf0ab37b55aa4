import t from 'tap'
import { Type } from 'typebox'
import { ChangeFeed } from '../../src/mirror/change-feed.ts'
import { storedForm } from '../../src/mirror/incident-diff.ts'
import { INCIDENT_TEXT_FORM, serializeIncident, textForm } from '../../src/mirror/incident-text.ts'
import { MirrorStore } from '../../src/mirror/mirror-store.ts'
import { Incident, type IncidentT } from '../../src/schemas/incident.ts'
import { sharedSchemas } from '../../src/schemas/index.ts'
import { ENGINES, freshDatabase } from '../helpers/databases.ts'
import { incident } from '../helpers/incidents.ts'

// The mirror stores each change's incident as the text GET /v1/changes writes (the Incident
// serializer's), tagged with the form it is in; the feed hands that text, unparsed, to a reader that
// asks for it, only when its form is this release's (src/mirror/incident-text.ts).

const matched = (id: string): IncidentT => incident({
  native_id: id,
  title: 'Ünïcode “title” \u2028 with "quotes" and \\ and \u0001',
  match_count: 1,
  matches: [{ text: 'SECRET-1234', context_before: 'card ', context_after: null, field: 'body', detector: 'PCI' }],
  // Fields a mapper may add that the schema does not declare, and a NUL jsonb cannot hold.
  asset: { id: 'a\0b', name: null, type: null, url: null, mime_type: null, file_name: null, file_type: null, application: null, owner: null, extra: 1 } as unknown as IncidentT['asset']
})

for (const engine of ENGINES) {
  t.test(`${engine}: a change's stored text`, async (t) => {
    const { db } = await freshDatabase(t, engine)
    const mirror = new MirrorStore(db)
    const feed = new ChangeFeed(db)
    const one = matched('1')
    await mirror.record('cl', [{ incident: one, observedAt: new Date(1000) }])
    await mirror.record('cl', [{ incident: { ...one, status: 'resolved', updated_at: '2026-01-02T00:00:00.000Z' }, observedAt: new Date(2000) }])
    await mirror.recordDeleted('cl', ['1'], new Date(3000))

    const parsed = await feed.read({ after: 0, providers: ['cl'], limit: 10, raw: false })
    const text = await feed.read({ after: 0, providers: ['cl'], limit: 10, raw: false, text: true })
    t.same(parsed.changes.map((c) => c.incident_text), [undefined, undefined, undefined], 'only when asked for')
    t.same(text.changes.map((c) => c.incident), [null, null, null], 'the incident is not parsed')
    for (const [i, c] of text.changes.entries()) {
      const { incident: stored } = parsed.changes[i]
      t.equal(c.incident_text, stored === null ? null : serializeIncident(stored),
        'the serializer\'s bytes of the stored incident; none for a deletion')
    }
    t.equal(text.changes[0].incident_text, serializeIncident(storedForm(one)))
    t.notMatch(text.changes[0].incident_text!, /"extra"|\\u0000/, 'the stored form: declared fields, no NUL')

    t.test('a text in another release\'s form is not served: the incident is parsed', async (t) => {
      await db.query('UPDATE changes SET incident_form = $1 WHERE seq = 1', ['an-older-form'])
      const [first, second] = (await feed.read({ after: 0, providers: ['cl'], limit: 2, raw: false, text: true })).changes
      t.equal(first.incident_text, null)
      t.same(first.incident, parsed.changes[0].incident)
      t.equal(second.incident, null)
      await db.query('UPDATE changes SET incident_form = NULL, incident_text = NULL WHERE seq = 1')
      const [old] = (await feed.read({ after: 0, providers: ['cl'], limit: 1, raw: false, text: true })).changes
      t.same([old.incident_text, old.incident], [null, parsed.changes[0].incident], 'nor a change stored before version 5')
    })

    t.test('an incident the serializer refuses is recorded without a text', async (t) => {
      const { title: _title, ...untitled } = matched('2')
      t.same((await mirror.record('cl', [{ incident: untitled as IncidentT, observedAt: new Date(4000) }])).created, 1)
      const [row] = await db.query<{ incident_text: string | null, incident_form: string | null }>(
        'SELECT incident_text, incident_form FROM changes WHERE native_id = $1', ['2'])
      t.same(row, { incident_text: null, incident_form: null })
    })
  })
}

t.test('the form follows the schema and the serializer, not their annotations', async (t) => {
  t.equal(textForm(), INCIDENT_TEXT_FORM)
  t.equal(textForm(Type.Object({ ...Incident.properties }, { description: 'other words' })),
    textForm(Type.Object({ ...Incident.properties })), 'descriptions change no text')
  const { title, ...rest } = Incident.properties
  t.not(textForm(Type.Object({ ...rest, title })), textForm(Type.Object({ ...Incident.properties })), 'field order')
  t.not(textForm(Type.Object({ ...rest }, { required: [...Incident.required] })),
    textForm(Type.Object({ ...Incident.properties })), 'a field, even one named like an annotation')
  t.not(textForm(Incident, '0.0.1'), INCIDENT_TEXT_FORM, 'the serializer\'s version')
  const severity = (Incident.properties.severity as unknown as { $ref: string }).$ref
  const schemas = Object.fromEntries(sharedSchemas.map((s) => [(s as unknown as { $id: string }).$id, s]))
  t.equal(textForm(Incident, undefined, schemas), INCIDENT_TEXT_FORM)
  t.not(textForm(Incident, undefined, { ...schemas, [severity]: { type: 'integer' } }), INCIDENT_TEXT_FORM,
    'a schema the Incident refers to (an enum)')
})
