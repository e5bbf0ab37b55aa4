// The backstop behind the schema's date-time format (src/routes/v1/incidents/list-filters.ts): a
// time filter the gateway cannot convert is a 400 naming its parameter, never an exception or a
// filter the vendors would be sent. Called directly, as if the schema had let the value through.
import t from 'tap'
import { isGatewayError } from '../../src/errors/gateway-error.ts'
import { listFilters } from '../../src/routes/v1/incidents/list-filters.ts'

t.test('an unconvertible time filter is validation_failed naming each bad parameter', async (t) => {
  let thrown: unknown
  try {
    listFilters({ created_after: '2016-12-31T23:59:60Z', updated_before: '9999-12-31T23:59:59-23:59' })
  } catch (err) {
    thrown = err
  }
  t.ok(isGatewayError(thrown), 'a GatewayError, not a TypeError or a vendor call')
  t.match(thrown, { code: 'validation_failed', statusCode: 400 })
  t.same((thrown as { errors: Array<{ path: string }> }).errors.map((e) => e.path),
    ['/query/created_after', '/query/updated_before'])
})

t.test('convertible values pass, truncated to microseconds', async (t) => {
  const filters = listFilters({ created_after: '2024-02-29T12:00:00.123456789-05:30' })
  t.equal(filters.createdAfter, '2024-02-29T17:30:00.123456Z')
})
