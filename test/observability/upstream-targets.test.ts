import t from 'tap'
import { loadConfig } from '../../src/config/load.ts'
import { upstreamResolver } from '../../src/observability/upstream-targets.ts'
import { writeYaml } from './helpers.ts'

const providers = loadConfig({
  GATEWAY_CONFIG: writeYaml(`
cursor: { secret: ${'c'.repeat(40)} }
providers:
  - { id: zwa, type: zwa, base_url: 'https://api.us1.zsworkflow.net', auth: { mode: api_key, key_id: k, key_secret: s } }
  - id: zwa-oneapi
    type: zwa
    base_url: https://api.zsapi.net
    path_prefix: /zwa/dlp/v1
    auth: { mode: oneapi, token_url: 'https://acme.zslogin.net/oauth2/v1/token', client_id: c, client_secret: s }
  - { id: cl-emea, type: cloudlock, base_url: 'https://api.cloudlock.com/api/v2', token: emea-token }
  - { id: cl-us, type: cloudlock, base_url: 'https://api.cloudlock.com/api/v2', token: us-token }
  - { id: cl-solo, type: cloudlock, base_url: 'https://eu.cloudlock.example/api/v2/', token: solo }
api_keys:
  - { name: a, sha256: ${'a'.repeat(64)}, scopes: [incidents:read] }
`)
}).providers
const resolve = upstreamResolver(providers)
const op = (origin: string, method: string, path: string, headers: unknown = []) => resolve(origin, method, path, headers)

t.test('ZWA paths map to one operation each, ids and queries never reach the label', async (t) => {
  const zwa = 'https://api.us1.zsworkflow.net'
  const cases: Array<[string, string, string]> = [
    ['POST', '/v1/auth/api-key/token', 'token'],
    ['POST', '/dlp/v1/incidents/search?page=2&pageSize=26', 'search'],
    ['GET', '/dlp/v1/incidents/1-152-DFZG-17410647793298599936', 'details'],
    ['GET', '/dlp/v1/incidents/search', 'details'], // an incident whose id is "search"
    ['GET', '/dlp/v1/incidents/abc?fields=incidentGroupIds&fields=incidentGroups', 'details'],
    ['POST', '/dlp/v1/incidents/abc/close', 'close'],
    ['POST', '/dlp/v1/incidents/abc/notes', 'notes'],
    ['POST', '/dlp/v1/incidents/abc/labels', 'labels'],
    ['GET', '/dlp/v1/incidents/abc/change-history', 'change_history'],
    ['GET', '/dlp/v1/incidents/abc/evidence', 'evidence'],
    ['GET', '/dlp/v1/incidents/abc/triggers?fetchTriggerContext=true', 'triggers'],
    ['GET', '/dlp/v1/incidents/abc/tickets', 'tickets'],
    ['POST', '/dlp/v1/incidents/abc/incident-groups/search', 'groups'],
    ['GET', '/dlp/v1/incidents/transactions/tx-1', 'transactions'],
    ['DELETE', '/dlp/v1/incidents/abc', 'other'],
    ['GET', '/dlp/v1/customer/audit', 'other'],
    ['GET', '/v1/auth/api-key/token', 'other'],
    ['GET', '/__sim/requests', 'other']
  ]
  for (const [method, path, operation] of cases) {
    t.same(op(zwa, method, path), { provider: 'zwa', providerType: 'zwa', operation }, `${method} ${path}`)
  }
})

t.test('OneAPI: the path prefix and the ZIdentity token URL', async (t) => {
  t.equal(op('https://api.zsapi.net', 'POST', '/zwa/dlp/v1/incidents/search')?.operation, 'search')
  t.equal(op('https://api.zsapi.net', 'POST', '/dlp/v1/incidents/search')?.operation, 'other', 'the native prefix is not this provider\'s')
  t.same(op('https://acme.zslogin.net', 'POST', '/oauth2/v1/token'), { provider: 'zwa-oneapi', providerType: 'zwa', operation: 'token' })
  t.equal(op('https://acme.zslogin.net', 'GET', '/elsewhere'), undefined, 'other paths of the token host are not provider calls')
})

t.test('Cloudlock: list, get and update; tenants sharing a base URL are told apart by their token', async (t) => {
  const solo = 'https://eu.cloudlock.example'
  t.same(op(solo, 'GET', '/api/v2/incidents?limit=26&offset=0'), { provider: 'cl-solo', providerType: 'cloudlock', operation: 'list' })
  t.equal(op(solo, 'GET', '/api/v2/incidents/320831601')?.operation, 'get')
  t.equal(op(solo, 'PUT', '/api/v2/incidents/320831601')?.operation, 'update')
  t.equal(op(solo, 'GET', '/api/v2/incidents/1/extra')?.operation, 'other')
  t.equal(op(solo, 'GET', '/api/v3/incidents'), undefined, 'outside the base path')
  t.equal(op(solo, 'GET', '/api/v2x/incidents'), undefined, 'a longer path segment is not the base path')

  const shared = 'https://api.cloudlock.com'
  t.equal(op(shared, 'GET', '/api/v2/incidents', ['accept', 'application/json', 'authorization', 'Bearer us-token'])?.provider, 'cl-us')
  t.equal(op(shared, 'GET', '/api/v2/incidents', ['Authorization', 'Bearer emea-token'])?.provider, 'cl-emea')
  t.equal(op(shared, 'GET', '/api/v2/incidents', [])?.provider, 'cl-emea+cl-us', 'without a known token: both ids, still bounded')
})

t.test('requests to hosts that are not providers are ignored', async (t) => {
  t.equal(op('http://127.0.0.1:9', 'GET', '/v1/incidents'), undefined)
  t.equal(op('https://api.us1.zsworkflow.net:8443', 'GET', '/dlp/v1/incidents/x'), undefined, 'another port is another origin')
})
