// Capabilities follow from the operation tables (issue 15): GET /v1/providers and the calls an adapter
// makes cannot drift apart, and an adapter built with a method its table lacks (or the reverse) fails
// at once.
import t from 'tap'
import { completeAdapter } from '../../src/adapters/complete-adapter.ts'
import { OPTIONAL_METHODS, type AdapterCore } from '../../src/adapters/types.ts'
import { DEFAULT_TABLES } from '../../src/mapping/tables.ts'
import { nativeFilterCapabilities } from '../../src/schemas/provider.ts'
import { capabilitiesOf, type OperationTable } from '../../src/upstream/operation.ts'
import { createCloudlockAdapter } from '../../src/vendors/cloudlock/adapter.ts'
import { CLOUDLOCK_OPERATIONS } from '../../src/vendors/cloudlock/operations.ts'
import { createZwaAdapter } from '../../src/vendors/zwa/adapter.ts'
import { ZWA_OPERATIONS } from '../../src/vendors/zwa/operations.ts'

const timeouts = { connect_ms: 1000, headers_ms: 1000, body_ms: 1000 }
const zwa = createZwaAdapter({ id: 'z', type: 'zwa', base_url: 'http://127.0.0.1:9', path_prefix: '/dlp/v1', auth: { mode: 'api_key', key_id: 'k', key_secret: 's' }, timeouts, max_connections: 1 } as never)
const cloudlock = createCloudlockAdapter({ id: 'c', type: 'cloudlock', base_url: 'http://127.0.0.1:9/api/v2', token: 'tok', timeouts, max_connections: 1 } as never)
t.teardown(async () => { await zwa.shutdown(); await cloudlock.shutdown() })

t.test('each vendor\'s capabilities are its operations\' and its native filters\'', async (t) => {
  for (const [adapter, table] of [[zwa, ZWA_OPERATIONS], [cloudlock, CLOUDLOCK_OPERATIONS]] as const) {
    const expected = new Set([...capabilitiesOf(table), ...nativeFilterCapabilities(adapter.filtering)])
    t.same([...adapter.capabilities].sort(), [...expected].sort(), adapter.id)
  }
  t.ok(zwa.capabilities.has('notes') && zwa.capabilities.has('transactions'))
  t.notOk(zwa.capabilities.has('update_severity'), 'ZWA has no update endpoint')
  t.notOk(cloudlock.capabilities.has('notes'))
})

t.test('a capability a vendor lacks is refused by its method, without a call', async (t) => {
  for (const [method, capability] of Object.entries(OPTIONAL_METHODS)) {
    if (cloudlock.capabilities.has(capability)) continue
    await t.rejects((cloudlock as any)[method]('1', 'x'), { code: 'capability_not_supported', capability }, `${method} -> ${capability}`)
  }
})

t.test('a method without its operation, or an operation without its method, fails the build', async (t) => {
  const core = {
    id: 'x',
    type: 'cloudlock',
    baseUrl: 'http://x',
    filtering: cloudlock.filtering,
    tables: DEFAULT_TABLES.cloudlock,
    isValidNativeId: () => true,
    listPage: async () => ({ items: [], exhausted: true, upstreamCalls: 0 }),
    get: async () => { throw new Error('unused') },
    update: async () => { throw new Error('unused') },
    close: async () => { throw new Error('unused') },
    health: () => ({ status: 'ok', circuit: 'closed', last_error: null }),
    rateBudget: () => 'local',
    vendorCalls: () => ({ sync_last_hour: 0, interactive_last_hour: 0 }),
    shutdown: async () => {}
  } satisfies AdapterCore
  const notes: OperationTable = { notes: { name: 'notes', method: 'POST', path: '/n', rateClass: 'x', idempotent: false, provides: ['notes'], parse: (b) => b } }
  t.throws(() => completeAdapter(core, notes), /addNote missing/)
  t.throws(() => completeAdapter({ ...core, history: async () => [] }, {}), /history present/)
  t.ok(completeAdapter({ ...core, addNote: async () => { throw new Error('unused') } }, notes).capabilities.has('notes'))
})
