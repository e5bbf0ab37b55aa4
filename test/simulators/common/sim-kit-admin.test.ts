import t from 'tap'
import { buildKitApp } from '../helpers/kit-app.ts'

t.test('POST /__sim/incidents hands the array to the simulator', async (t) => {
  const state = await buildKitApp()
  const { app } = state
  t.teardown(() => app.close())
  const res = await app.inject({ method: 'POST', url: '/__sim/incidents', payload: [{ a: 1 }, { b: 2 }] })
  t.equal(res.statusCode, 201)
  t.same(res.json(), { added: 2, ids: ['1', '2'] })
  t.same(state.records, [{ a: 1 }, { b: 2 }])
})

t.test('bad incident input is a 400 with a message', async (t) => {
  const state = await buildKitApp()
  t.teardown(() => state.app.close())
  const notArray = await state.app.inject({ method: 'POST', url: '/__sim/incidents', payload: { a: 1 } })
  t.equal(notArray.statusCode, 400)
  t.match(notArray.json(), { message: /array/ })
  const rejected = await state.app.inject({ method: 'POST', url: '/__sim/incidents', payload: [1] })
  t.equal(rejected.statusCode, 400, 'SimInputError from the simulator')
  t.same(rejected.json(), { message: 'each record must be an object' })
  t.same(state.records, [])
})

t.test('POST /__sim/reset resets data, faults and log', async (t) => {
  const state = await buildKitApp()
  const { app } = state
  t.teardown(() => app.close())
  await app.inject({ method: 'POST', url: '/__sim/faults', payload: { status: 500 } })
  await app.inject({ method: 'GET', url: '/api/v2/items' })
  const res = await app.inject({ method: 'POST', url: '/__sim/reset' })
  t.equal(res.statusCode, 204)
  t.equal(state.resets, 1)
  t.same((await app.inject({ method: 'GET', url: '/__sim/faults' })).json(), { faults: [] })
  t.same((await app.inject({ method: 'GET', url: '/__sim/requests' })).json(), { requests: [] })
})
