import type { FastifyPluginAsync } from 'fastify'
import actions from './incidents/actions.ts'
import batch from './incidents/batch.ts'
import changes from './changes.ts'
import detail from './incidents/detail.ts'
import jobs from './jobs.ts'
import list from './incidents/list.ts'
import subResources from './incidents/sub-resources.ts'
import providers from './providers.ts'
import transactions from './transactions.ts'
import webhooks from './webhooks.ts'
import { rememberResponse } from './call-options.ts'

// The /v1 API of spec section 4.
const v1: FastifyPluginAsync = async (app) => {
  // Request deadlines end with the response (call-options.ts).
  app.decorateRequest('rawResponse', null)
  app.addHook('onRequest', rememberResponse)
  await app.register(list)
  await app.register(detail)
  await app.register(actions)
  await app.register(batch)
  await app.register(jobs)
  await app.register(subResources)
  await app.register(transactions)
  await app.register(providers)
  await app.register(changes)
  await app.register(webhooks)
}

export default v1
