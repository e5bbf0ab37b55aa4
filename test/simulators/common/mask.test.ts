import t from 'tap'
import { maskBody, maskDeep, maskHeaders } from '../../../src/sim-kit/mask.ts'

const secrets = new Set(['authorization', 'cookie', 'x-api-key'])

t.test('headers: scheme kept, value hidden, names lower-cased', async (t) => {
  t.same(maskHeaders({ Authorization: 'Bearer abc', 'X-Api-Key': 'k', Accept: 'application/json', 'set-cookie': ['a=1'] }, secrets), {
    authorization: 'Bearer ***', 'x-api-key': '***', accept: 'application/json', 'set-cookie': ['a=1']
  })
  t.same(maskHeaders({ authorization: 'tokenwithoutscheme' }, secrets), { authorization: '***' })
  t.same(maskHeaders({ cookie: ['a=1', 'b=2'] }, secrets), { cookie: ['***', '***'] })
})

t.test('bodies: keys masked at any depth, the input left untouched', async (t) => {
  const keys = new Set(['client_secret', 'token'])
  const input = { a: 1, Token: 'x', list: [{ client_secret: 'y', ok: [1, 2] }], nil: null }
  t.same(maskDeep(input, keys), { a: 1, Token: '***', list: [{ client_secret: '***', ok: [1, 2] }], nil: null })
  t.equal(input.Token, 'x', 'deep copy')
  t.equal(maskBody(undefined, undefined, keys), null)
  t.equal(maskBody('plain text', 'text/plain', keys), 'plain text')
  t.same(maskBody(Buffer.from('token=abc&x=1'), 'application/x-www-form-urlencoded', keys), { token: '***', x: '1' })
})
