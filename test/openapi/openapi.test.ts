import { readFileSync } from 'node:fs'
import t from 'tap'
import { parse } from 'yaml'
import { renderOpenApi } from '../../src/render-openapi.ts'
import { buildTestApp } from '../helpers/build.ts'

const committed = readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8')

t.test('the committed openapi.yaml is what the route schemas generate', async (t) => {
  const generated = await renderOpenApi()
  t.equal(generated, committed, 'run `npm run openapi:generate` and commit openapi.yaml')
})

t.test('the document is OpenAPI 3.1 with named shared schemas and documented operations', async (t) => {
  const doc = parse(committed)
  t.equal(doc.openapi, '3.1.0')
  for (const name of ['Problem', 'Incident', 'IncidentList', 'Provider', 'ProviderList', 'ProviderMapping', 'MappingList']) {
    t.ok(doc.components.schemas[name], `components.schemas.${name}`)
  }
  t.same(doc.components.securitySchemes.apiKey, { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <API key>' })
  for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
    for (const [method, op] of Object.entries<Record<string, any>>(item)) {
      t.ok(op.operationId, `${method} ${path} has an operationId`)
      t.ok(op.tags?.length, `${method} ${path} has tags`)
      t.ok(Object.keys(op.responses ?? {}).length, `${method} ${path} documents its responses`)
    }
  }
  t.same(doc.paths['/healthz'].get.security, [], 'health needs no key')
})

t.test('the spec and the docs are served', async (t) => {
  const { app } = await buildTestApp()
  t.teardown(() => app.close())
  const yaml = await app.inject({ method: 'GET', url: '/openapi.yaml' })
  t.equal(yaml.statusCode, 200)
  t.match(yaml.headers['content-type'], /^application\/yaml/)
  t.equal(yaml.body, committed)
  const json = await app.inject({ method: 'GET', url: '/openapi.json' })
  t.equal(json.statusCode, 200)
  t.same(json.json(), parse(committed))
  const docs = await app.inject({ method: 'GET', url: '/docs/' })
  t.equal(docs.statusCode, 200)
  t.match(docs.body, /swagger-ui/i)
})
