// A write (an operation that is not idempotent) is sent once per call and never shares another
// call's answer: two identical concurrent writes are two requests, even with coalescing on, while
// two identical concurrent reads are one (src/upstream/operation.ts, resilience/coalescer.ts).
import t from 'tap'
import { staticBearer } from '../../src/upstream/authenticator.ts'
import { createRateBudget } from '../../src/upstream/budget/budget-factory.ts'
import type { UpstreamClient, UpstreamResponse } from '../../src/upstream/http/upstream-client.ts'
import type { Operation } from '../../src/upstream/operation.ts'
import { UpstreamPipeline } from '../../src/upstream/pipeline.ts'
import { UNGUARDED } from '../../src/upstream/resilience/settings.ts'

// A transport that holds every request until release(), so calls overlap.
function heldTransport () {
  const waiting: Array<() => void> = []
  let sent = 0
  const transport = {
    origin: 'http://vendor.test',
    basePath: '',
    request: () => {
      sent++
      return new Promise<UpstreamResponse>((resolve) => {
        waiting.push(() => resolve({ status: 200, headers: {}, text: '', json: { n: sent } }))
      })
    },
    close: async () => {}
  } as unknown as UpstreamClient
  return { transport, sent: () => sent, release: () => { for (const go of waiting.splice(0)) go() } }
}

const op = (method: Operation['method'], idempotent: boolean): Operation<unknown> =>
  ({ name: 'op', method, path: '/incidents/{id}', rateClass: 'default', idempotent, parse: (b) => b })

function pipeline (transport: UpstreamClient) {
  return new UpstreamPipeline({
    providerId: 'p',
    providerType: 'test',
    settings: { ...UNGUARDED, coalesce: true },
    transport,
    authenticator: staticBearer('t'),
    errorMessageKey: 'message',
    budget: createRateBudget({ providerId: 'p', windowsByClass: {}, fallbackShare: 0.25 })
  })
}

const tick = () => new Promise((resolve) => setImmediate(resolve))

t.test('identical concurrent writes are each sent; identical concurrent reads share one request', async (t) => {
  const writes = heldTransport()
  const p = pipeline(writes.transport)
  const input = { params: { id: '1' }, body: { status: 'RESOLVED' } }
  const both = Promise.all([p.call(op('PUT', false), input, {}), p.call(op('PUT', false), input, {})])
  await tick()
  t.equal(writes.sent(), 2, 'two writes, two requests')
  writes.release()
  t.same(await both, [{ n: 2 }, { n: 2 }])

  const reads = heldTransport()
  const q = pipeline(reads.transport)
  const shared = Promise.all([q.call(op('GET', true), { params: { id: '1' } }, {}),
    q.call(op('GET', true), { params: { id: '1' } }, {})])
  await tick()
  t.equal(reads.sent(), 1, 'the second read joined the first')
  reads.release()
  await shared
})
